#!/usr/bin/env node
// The delivery scenario (bench/scenarios/delivery.ts, with the benchmark's plan: 6,000 messages of
// warm-up at 200/s, then 250 at 50/s) for two builds of p2pchat in turn: an A/B of a change to the
// message path. One round moves by more than most changes do (four rounds of one build spread
// from 2.35 to 4.32 ms at p99 to all 9: bench/analysis.md "Fewer steps per message"), so it takes
// many rounds, in the order ABBA (bench/ab.ts). Each round runs in a process of its own, the
// build chosen by BENCH_P2PCHAT_MAIN as everywhere in the benchmark.
//
// Usage (root, after `npm run build`):
//   node dist/bench/delivery-ab.js --against OTHER/dist/src/cli/main.js [--rounds 20] [--n 10]
// "before" is the build --against names; "after" is this build (or BENCH_P2PCHAT_MAIN's).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { abbaOrder, compareRounds, whyItFailed, type Build } from "./ab.js";
import { deliveryOptions, FULL } from "./plan.js";
import { runDelivery } from "./scenarios/delivery.js";

const { values } = parseArgs({
  options: {
    against: { type: "string" },
    rounds: { type: "string", default: "20" },
    n: { type: "string", default: "10" },
    round: { type: "boolean", default: false },
  },
});
const n = Number(values.n);
if (!Number.isInteger(n) || n < 2 || n > 40) throw new Error(`--n: expected a room of 2 to 40, got ${values.n}`);

interface RoundFigures {
  p50: number;
  p99: number;
  cpu: number;
}

if (values.round) {
  // One round, in this process: its figures as one JSON line on stdout.
  const result = await runDelivery("p2pchat", n, deliveryOptions(FULL, () => {}));
  const figures: RoundFigures = { p50: result.toAll.p50, p99: result.toAll.p99, cpu: result.cpuPerMessageMs ?? Number.NaN };
  console.log(JSON.stringify(figures));
} else {
  if (values.against === undefined) throw new Error("--against: the other build's dist/src/cli/main.js is needed");
  const rounds = Number(values.rounds);
  const mains: Record<Build, string | undefined> = { before: values.against, after: process.env.BENCH_P2PCHAT_MAIN };
  const figures: Record<Build, RoundFigures[]> = { before: [], after: [] };
  for (const build of abbaOrder(rounds)) {
    const env = { ...process.env };
    if (mains[build] === undefined) delete env.BENCH_P2PCHAT_MAIN;
    else env.BENCH_P2PCHAT_MAIN = mains[build];
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--round", "--n", String(n)], { env, encoding: "utf8" });
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    if (child.status !== 0 || !line.startsWith("{")) {
      throw new Error(`a round of the ${build} build failed (exit ${child.status}): ${whyItFailed(child.stderr)}`);
    }
    const round = JSON.parse(line) as RoundFigures;
    figures[build].push(round);
    console.log(`${build.padEnd(6)} p50 ${round.p50} ms, p99 ${round.p99} ms, CPU of all peers per message ${round.cpu} ms`);
  }
  console.log(`\nN = ${n}, ${rounds} rounds of each build in the order ABBA; medians, before → after:`);
  for (const figure of ["p50", "p99", "cpu"] as const) {
    const { before, after, afterHigher, pairs } = compareRounds(
      figures.before.map((r) => r[figure]), figures.after.map((r) => r[figure]));
    const name = figure === "cpu" ? "CPU per message" : `${figure} to all ${n - 1}`;
    console.log(`  ${name.padEnd(18)} ${before} → ${after} ms (after higher in ${afterHigher} of ${pairs} pairs)`);
  }
}
