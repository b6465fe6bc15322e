#!/usr/bin/env node
// The mesh's "after the last start" alone (the benchmark's section 1, bench/scenarios/mesh.ts):
// N peers of one kind started one right after the other, from the last one's first hello on the
// wire until every pair is connected; as many rounds as asked, the implementations in turn. At
// N = 5 a round takes about a second and a half, so enough of them to tell two builds apart
// (BENCH_P2PCHAT_MAIN, BENCH_EXTRA_ARGS, run one after the other) fit in a minute.
//
// Usage (root, after `npm run build`): node dist/bench/last-start.js [--n 5] [--rounds 7]
//   [--only p2pchat,refpeer,node-floor]
import { parseArgs } from "node:util";
import { withLan } from "../test/lan/netns.js";
import { Capture } from "./capture.js";
import { IMPL_LABEL, subnetOf, WITH_FLOOR, type Impl } from "./impl.js";
import { formMesh, lastFirstHello } from "./scenarios/mesh.js";
import { median, round } from "./stats.js";
import { raiseNeighbourLimits } from "./sysctl.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "5" },
    rounds: { type: "string", default: "7" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
  },
});
const n = Number(values.n);
const impls = values.only.split(",") as Impl[];

/** One mesh of `n`: ms from the last peer's first hello to the last pair, on the wire. */
async function afterLastStart(impl: Impl): Promise<number> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    try {
      const mesh = await formMesh(lan, impl, capture, 30_000);
      if (!mesh.formed) throw new Error(`${IMPL_LABEL[impl]}: no mesh of ${n} in 30 s (${mesh.connected.size}/${mesh.needed} pairs)`);
      return round(mesh.lastPairAt - lastFirstHello(mesh, lan.hosts));
    } finally {
      await capture.stop();
    }
  });
}

const limits = raiseNeighbourLimits();
try {
  const results = new Map<Impl, number[]>(impls.map((impl) => [impl, []]));
  // In turn, round by round, so that the machine's drift falls on every implementation alike.
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const impl of impls) results.get(impl)!.push(await afterLastStart(impl));
  }
  for (const [impl, ms] of results) {
    console.log(`${IMPL_LABEL[impl]}, mesh of ${n}, last start → mesh: median ${round(median(ms))} ms ` +
      `(${[...ms].sort((a, b) => a - b).join(", ")})`);
  }
} finally {
  limits.restore();
}
