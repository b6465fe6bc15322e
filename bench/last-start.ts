#!/usr/bin/env node
// The mesh's "after the last start" alone (the benchmark's section 1, bench/scenarios/mesh.ts):
// N peers of one kind started one right after the other, from the last one's first hello on the
// wire until every pair is connected; as many rounds as asked, the implementations in turn. At
// N = 5 a round takes about a second and a half, so enough of them to tell two builds apart
// (BENCH_P2PCHAT_MAIN, BENCH_EXTRA_ARGS, run one after the other) fit in a minute.
//
// Usage (root, after `npm run build`): node dist/bench/last-start.js [--n 5] [--rounds 7]
//   [--only p2pchat,refpeer,node-floor] [--pairs] [--cpu]
// --cpu: also the CPU all N peers spent from their starts until the mesh formed (user and system
// from /proc/<pid>/stat as soon as it has, in clock ticks of 10 ms, summed): the work a room's
// forming costs, which moves less with the machine's hour than the time after the last start.
// --pairs: each round's wire record from the last peer's first hello, in ms: every peer's first
// hello, then each pair that connected after it, the last peer's own (as client or as server)
// told from those among the others, which the starts before it left to form (bench/analysis.md
// "Hello when done starting").
import { parseArgs } from "node:util";
import { withLan } from "../test/lan/netns.js";
import { Capture } from "./capture.js";
import { IMPL_LABEL, subnetOf, WITH_FLOOR, type Impl } from "./impl.js";
import { cpuMs } from "./proc.js";
import { firstHelloAt, formMesh, lastFirstHello, type MeshFormation } from "./scenarios/mesh.js";
import { median, round } from "./stats.js";
import { raiseNeighbourLimits } from "./sysctl.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "5" },
    rounds: { type: "string", default: "7" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    pairs: { type: "boolean", default: false },
    cpu: { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const impls = values.only.split(",") as Impl[];

interface Round {
  /** ms from the last peer's first hello to the last pair, on the wire. */
  afterMs: number;
  /** ms of CPU all peers spent from their starts until the mesh formed (--cpu). */
  cpuMs: number;
}

/** One mesh of `n`. */
async function afterLastStart(impl: Impl): Promise<Round> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    try {
      const mesh = await formMesh(lan, impl, capture, 30_000);
      if (!mesh.formed) throw new Error(`${IMPL_LABEL[impl]}: no mesh of ${n} in 30 s (${mesh.connected.size}/${mesh.needed} pairs)`);
      const last = lastFirstHello(mesh, lan.hosts);
      if (values.pairs) printPairs(impl, mesh, last);
      const cpu = values.cpu ? mesh.processes.reduce((sum, peer) => sum + cpuMs(peer.pid), 0) : NaN;
      return { afterMs: round(mesh.lastPairAt - last), cpuMs: round(cpu) };
    } finally {
      await capture.stop();
    }
  });
}

/** --pairs: one round's hellos and the pairs after the last one, in ms from it. */
function printPairs(impl: Impl, mesh: Pick<MeshFormation, "firstHello" | "connected">, last: number): void {
  const since = (time: number) => round(time - last);
  const newcomer = firstHelloAt(mesh, last);
  const after = { "by the last peer": [] as number[], "to the last peer": [] as number[], "among the others": [] as number[] };
  for (const [pair, time] of [...mesh.connected].sort((a, b) => a[1] - b[1])) {
    if (time < last) continue;
    const [client, server] = pair.split(">");
    after[client === newcomer ? "by the last peer" : server === newcomer ? "to the last peer" : "among the others"].push(since(time));
  }
  console.log(`${IMPL_LABEL[impl]}: first hellos at ${[...mesh.firstHello.values()].sort((a, b) => a - b).map(since).join(", ")} ms`);
  for (const [which, times] of Object.entries(after)) console.log(`  pairs opened ${which}: ${times.join(", ") || "none"}`);
}

const limits = raiseNeighbourLimits();
try {
  const results = new Map<Impl, Round[]>(impls.map((impl) => [impl, []]));
  // In turn, round by round, so that the machine's drift falls on every implementation alike.
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const impl of impls) results.get(impl)!.push(await afterLastStart(impl));
  }
  const sorted = (figures: number[]) => [...figures].sort((a, b) => a - b);
  for (const [impl, rounds] of results) {
    const after = rounds.map((r) => r.afterMs);
    console.log(`${IMPL_LABEL[impl]}, mesh of ${n}, last start → mesh: median ${round(median(after))} ms (${sorted(after).join(", ")})`);
    if (!values.cpu) continue;
    const cpu = rounds.map((r) => r.cpuMs);
    console.log(`  CPU of all ${n} peers from their starts to the mesh: median ${round(median(cpu))} ms (${sorted(cpu).join(", ")})`);
  }
} finally {
  limits.restore();
}
