#!/usr/bin/env node
// Where a sending peer's time goes before its frames are on the wire, in the delivery scenario
// (bench/scenarios/delivery.ts, the benchmark's plan): the peers' system calls over the measured
// messages (perf's syscall tracepoints, bench/send-syscalls.ts), read as each /send's accept, the
// request's read, the frames' writes and the answer; and each write's duration and the gaps
// between writes. Each implementation in turn, round by round. Needs perf (Debian: linux-perf).
//
// Usage (root, after `npm run build`): node dist/bench/sender-trace.js [--rounds 3]
//   [--only p2pchat,node-floor] [--n 10]
// BENCH_P2PCHAT_MAIN=<other build>/dist/src/cli/main.js traces another build as p2pchat.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { IMPL_LABEL, type Impl } from "./impl.js";
import { requirePerf, startPerfRecord } from "./perf-record.js";
import { deliveryOptions, FULL } from "./plan.js";
import { runDelivery } from "./scenarios/delivery.js";
import { p50p90, SEND_TRACEPOINTS, sendPhases, sendsFromPerfScript, writeTimes } from "./send-syscalls.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    only: { type: "string", default: "p2pchat,node-floor" },
    n: { type: "string", default: "10" },
  },
});
const rounds = Number(values.rounds);
const n = Number(values.n);
const impls = values.only.split(",") as Impl[];
requirePerf();

/** Records the tracepoints on `pids` until the returned function is called; that one resolves to perf script's text. */
async function record(pids: readonly number[], into: string): Promise<() => Promise<string>> {
  const file = join(into, "perf.data");
  // A second to attach to every thread of every peer.
  const stop = await startPerfRecord(["-o", file, ...SEND_TRACEPOINTS.flatMap((t) => ["-e", t]), "-p", pids.join(",")], 1_000);
  return async () => {
    await stop();
    return spawnSync("perf", ["script", "-i", file, "-F", "tid,time,event,trace"], { encoding: "utf8", maxBuffer: 1 << 30 }).stdout;
  };
}

const pair = ([p50, p90]: [number, number]) => `${p50} / ${p90}`;

for (let round = 1; round <= rounds; round++) {
  for (const impl of impls) {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-sender-trace-"));
    try {
      let text = "";
      const result = await runDelivery(impl, n, {
        ...deliveryOptions(FULL, () => {}),
        whileMeasured: async (pids) => {
          const stop = await record(pids, dir);
          return async () => { text = await stop(); };
        },
      });
      const phases = sendPhases(sendsFromPerfScript(text, n - 1));
      const writes = writeTimes(text);
      console.log(`round ${round}, ${IMPL_LABEL[impl]}: to all ${n - 1} p50 ${result.toAll.p50} / p99 ${result.toAll.p99} ms; ` +
        `${phases.sends} sends, p50 / p90 µs: accept → request read ${pair(phases.acceptToRead)}, ` +
        `read → first frame ${pair(phases.readToFirstFrame)}, first → last frame ${pair(phases.firstToLastFrame)}, ` +
        `accept → last frame ${pair(phases.acceptToLastFrame)}, last frame → answer ${pair(phases.lastFrameToAnswer)}; ` +
        `a write ${pair(p50p90(writes.durations))}, from a write's end to the next write (under 200 µs) ${pair(p50p90(writes.gaps))}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
