#!/usr/bin/env node
// How long a settled room takes to take one newcomer in, and what it costs (the benchmark's
// scenario 1b, bench/scenarios/newcomer.ts), as many rounds as asked, the implementations in turn.
//
// Usage (root, after `npm run build`): node dist/bench/newcomer.js [--n 20] [--rounds 5]
//   [--settle 3] [--only p2pchat,refpeer,node-floor]   (BENCH_P2PCHAT_MAIN for another build)
//   [--pairs]   (each round's pairs with the newcomer, ms after its hello, in the order they connected)
import { parseArgs } from "node:util";
import { IMPL_LABEL, WITH_FLOOR, type Impl } from "./impl.js";
import { runNewcomer, type NewcomerRound } from "./scenarios/newcomer.js";
import { raiseNeighbourLimits } from "./sysctl.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "20" },
    rounds: { type: "string", default: "5" },
    settle: { type: "string", default: "3" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    pairs: { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const impls = values.only.split(",") as Impl[];

const limits = raiseNeighbourLimits();
try {
  const results = new Map<Impl, NewcomerRound[]>(impls.map((impl) => [impl, []]));
  // In turn, round by round, so that the machine's drift falls on every implementation alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const impl of impls) {
      const intake = await runNewcomer(impl, { n, settleSeconds: Number(values.settle), meshTimeoutMs: 60_000 });
      results.get(impl)!.push(intake);
      console.log(`${IMPL_LABEL[impl]}, a room of ${n - 1} takes in one more: hello → mesh ${intake.meshMs.toFixed(1)} ms; ` +
        `CPU of the room ${intake.roomCpuMs.toFixed(1)} ms (${(intake.roomCpuMs / (n - 1)).toFixed(2)} per peer), ` +
        `of the newcomer ${intake.newcomerCpuMs.toFixed(1)} ms from its start`);
      // The room's own hellos in the window would be work beside the intake (each one answered by
      // every other peer of the room); the start is timed to miss them, and a round that did not is said.
      if (intake.roomHellos > 0) console.log(`  (${intake.roomHellos} of the room's own hellos fell in this round's window)`);
      if (values.pairs) {
        const listed = (times: number[]) => times.map((t) => t.toFixed(1)).join(" ");
        console.log(`  the room's connections answered by the newcomer, ms after its hello: ${listed(intake.pairs.inbound)}`);
        console.log(`  the newcomer's connections answered by the room: ${listed(intake.pairs.outbound)}`);
      }
    }
  }
  for (const [impl, intakes] of results) {
    const m = (f: (i: NewcomerRound) => number) => median(intakes.map(f)).toFixed(1);
    console.log(`${IMPL_LABEL[impl]}, medians of ${intakes.length}: hello → mesh ${m((i) => i.meshMs)} ms, ` +
      `room ${m((i) => i.roomCpuMs)} ms, newcomer ${m((i) => i.newcomerCpuMs)} ms`);
  }
} finally {
  limits.restore();
}
