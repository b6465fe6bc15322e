#!/usr/bin/env node
// Where an idle mesh's CPU goes, per peer: a mesh of N of each implementation in turn (no
// messages; discovery announces every 5 s), then over SECONDS each peer's CPU time to the
// nanosecond (/proc/<pid>/task/*/schedstat, where the footprint table's ticks are 10 ms) and how
// often each of its threads slept and was woken (voluntary context switches). The wake-ups tell
// whether a peer wakes more often than another or pays more per wake-up.
//
// Usage (root, after `npm run build`): node dist/bench/idle.js [--n 40] [--seconds 20]
//   [--settle 5] [--only p2pchat,refpeer,node-floor] [--rounds N] [--peers] [--reverse]
//   [--perf] [--freq 1999]
// --peers: every peer's CPU, wake-ups and page faults over the window, busiest first, by host
// (the maximum of a mesh of 40 is one host's: bench/analysis.md "Five rounds, then eleven");
// --reverse: the peers started from the last host to the first.
// --perf: also `perf record` every peer's threads over the window (--freq samples a second), and
// what a wake-up costs by kind of code (bench/room-samples.ts): where a Node.js peer's wake-up
// goes, and the reference peer's. Needs perf (Debian: linux-perf).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { withLan, type LanProcess } from "../test/lan/netns.js";
import { sleep } from "./clock.js";
import { Capture } from "./capture.js";
import { IMPL_LABEL, subnetOf, WITH_FLOOR, type Impl } from "./impl.js";
import { formMesh } from "./scenarios/mesh.js";
import { requirePerf, roomProfileOf, startPerfRecord } from "./perf-record.js";
import { minorFaults, threadDelta, threadTimes, type ThreadTimes } from "./proc.js";
import { CODE_KINDS, type RoomProfile } from "./room-samples.js";
import { raiseNeighbourLimits } from "./sysctl.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "40" },
    seconds: { type: "string", default: "20" },
    settle: { type: "string", default: "5" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    rounds: { type: "string", default: "1" },
    peers: { type: "boolean", default: false },
    reverse: { type: "boolean", default: false },
    perf: { type: "boolean", default: false },
    freq: { type: "string", default: "1999" },
  },
});
const freq = Number(values.freq);
if (values.perf) {
  if (!Number.isInteger(freq) || freq < 100) throw new Error(`--freq: expected samples a second, 100 or more, got ${values.freq}`);
  requirePerf();
}
const n = Number(values.n);
const seconds = Number(values.seconds);
const impls = values.only.split(",") as Impl[];

interface PeerIdle {
  /** % of one core, all threads. */
  cpuPercent: number;
  /** Wake-ups per second of the main thread (the event loop) and of all other threads. */
  mainWakeUps: number;
  otherWakeUps: number;
  /** % of one core of threads other than the main one (the GC's helpers, libuv's pool). */
  otherCpuPercent: number;
}

function idleOf(delta: ThreadTimes[], pid: number, elapsedS: number): PeerIdle {
  const main = delta.find((t) => t.name.endsWith(`/${pid}`));
  const others = delta.filter((t) => t !== main);
  const sum = (ts: ThreadTimes[], f: (t: ThreadTimes) => number) => ts.reduce((a, t) => a + f(t), 0);
  return {
    cpuPercent: (sum(delta, (t) => t.cpuMs) / 10) / elapsedS,
    mainWakeUps: (main?.wakeUps ?? 0) / elapsedS,
    otherWakeUps: sum(others, (t) => t.wakeUps) / elapsedS,
    otherCpuPercent: (sum(others, (t) => t.cpuMs) / 10) / elapsedS,
  };
}

const limits = raiseNeighbourLimits();
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const impl of impls) {
      await withLan({ hosts: n }, async (lan) => {
        const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
        let processes: LanProcess[] = [];
        try {
          const order = values.reverse ? [...lan.hosts].reverse() : lan.hosts;
          const mesh = await formMesh(lan, impl, capture, 60_000, order);
          processes = mesh.processes;
          if (!mesh.formed) throw new Error(`${impl}: no mesh of ${n} (${mesh.connected.size}/${mesh.needed} pairs)`);
          capture.kill();
          await sleep(Number(values.settle) * 1000);
          const pids = processes.map((p) => p.pid);
          // perf records a little more than the window (the second it takes to attach, and its
          // stop): what it sampled is divided by the wake-ups from its start to its stop.
          const dir = values.perf ? mkdtempSync(join(tmpdir(), "p2pchat-idle-perf-")) : undefined;
          const atPerfStart = dir ? pids.map((pid) => threadTimes(pid)) : [];
          const stopPerf = dir ? await startPerfRecord(["-F", String(freq), "-o", join(dir, "perf.data"), "-p", pids.join(",")], 1_000) : undefined;
          const before = pids.map((pid) => threadTimes(pid));
          const faultsBefore = pids.map(minorFaults);
          const start = performance.now();
          await sleep(seconds * 1000);
          const elapsedS = (performance.now() - start) / 1000;
          const peers = pids.map((pid, i) => idleOf(threadDelta(before[i]!, threadTimes(pid)), pid, elapsedS));
          await stopPerf?.();
          const perfWakeUps = dir ? pids.reduce((sum, pid, i) => sum + threadDelta(atPerfStart[i]!, threadTimes(pid)).reduce((a, t) => a + t.wakeUps, 0), 0) : 0;
          const f = (x: number, digits = 2) => x.toFixed(digits);
          const cpu = peers.map((p) => p.cpuPercent);
          console.log(`${IMPL_LABEL[impl]}, mesh of ${n}, ${f(elapsedS, 1)} s idle: CPU per peer median ${f(median(cpu), 3)} % max ${f(Math.max(...cpu), 3)} %, ` +
            `all peers ${f(cpu.reduce((a, b) => a + b, 0))} % of a core; per peer and second: main thread ${f(median(peers.map((p) => p.mainWakeUps)), 1)} wake-ups, ` +
            `other threads ${f(median(peers.map((p) => p.otherWakeUps)), 1)} wake-ups and ${f(median(peers.map((p) => p.otherCpuPercent)), 3)} % CPU; ` +
            // Per wake-up of any thread: the reference peer's work is all in threads other than its
            // main one, which sleeps, so a figure per main-thread wake-up would divide by nothing.
            `µs per wake-up ${f((median(cpu) * 10_000) / Math.max(1e-9, median(peers.map((p) => p.mainWakeUps + p.otherWakeUps))), 0)}`);
          if (dir) {
            try {
              console.log(wakeUpByKind(roomProfileOf(join(dir, "perf.data"), new Set(pids), `the ${impl} mesh`), perfWakeUps));
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          }
          if (values.peers) {
            const rows = peers.map((p, i) => ({ ...p, host: order[i]!.address, started: i + 1, faults: minorFaults(pids[i]!) - faultsBefore[i]! }));
            for (const p of rows.sort((a, b) => b.cpuPercent - a.cpuPercent)) {
              console.log(`  ${p.host} (started ${p.started}): ${f(p.cpuPercent, 3)} %, ${f(p.mainWakeUps + p.otherWakeUps, 1)} wake-ups/s ` +
                `(other threads ${f(p.otherCpuPercent, 3)} %), ${p.faults} page faults`);
            }
          }
        } finally {
          capture.kill();
          for (const p of processes) p.kill("SIGTERM");
          await Promise.all(processes.map((p) => p.exited));
        }
      });
    }
  }
} finally {
  limits.restore();
}

/** µs of CPU per wake-up (any thread, all peers) by kind of code, as sampled: one line each. */
function wakeUpByKind(profile: RoomProfile, wakeUps: number): string {
  const us = (samples: number) => ((samples * 1e6) / freq / Math.max(1, wakeUps)).toFixed(1);
  const lines = [`  sampled, µs per wake-up (${Math.round(wakeUps)} wake-ups, ${profile.total} samples at ${freq}/s): ${us(profile.total)} in all`];
  for (const kind of CODE_KINDS) {
    const main = profile.main[kind];
    const other = profile.other[kind];
    if (main + other > 0) lines.push(`    ${kind}: ${us(main)} main thread, ${us(other)} other threads`);
  }
  return lines.join("\n");
}
