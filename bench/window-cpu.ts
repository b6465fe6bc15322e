#!/usr/bin/env node
// Who had the two cores while a mesh closed after its last start. One round of last-start.js at a
// time under a system-wide `perf record` (the kernel's software clock, samples stamped on the wall
// clock, as the packet capture's are); the samples from the last peer's first hello to the last
// pair are split by whose they were: the newcomer (the peer of that hello) and the room's other
// peers, each by main thread and other threads (V8's and libuv's helpers; the reference peer's
// connection threads), this process (the capture's parsing, the peers' output), tcpdump, the idle
// cores and the rest. Summed over the rounds, in ms of CPU, each implementation in turn
// (bench/analysis.md "Warm before the hello").
//
// Usage (root, after `npm run build`; `perf` is Debian's linux-perf): node dist/bench/window-cpu.js
//   [--n 20] [--rounds 4] [--only p2pchat,refpeer,node-floor] [--freq 4000]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { withLan } from "../test/lan/netns.js";
import { Capture } from "./capture.js";
import { IMPL_LABEL, subnetOf, WITH_FLOOR, type Impl } from "./impl.js";
import { requirePerf, startPerfRecord } from "./perf-record.js";
import { firstHelloAt, formMesh, lastFirstHello } from "./scenarios/mesh.js";
import { round } from "./stats.js";
import { raiseNeighbourLimits } from "./sysctl.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "20" },
    rounds: { type: "string", default: "4" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    freq: { type: "string", default: "4000" },
  },
});
const n = Number(values.n);
const freq = Number(values.freq);
const impls = values.only.split(",") as Impl[];
requirePerf();

/** One round's window (wall-clock ms) and whose each process was. */
interface Window {
  from: number;
  to: number;
  newcomer: number;
  room: Set<number>;
}

/** ms of CPU by role, and the windows' length, summed over an implementation's rounds. */
interface Tally {
  windowMs: number;
  ms: Map<string, number>;
}

async function recordRound(impl: Impl, dataFile: string): Promise<Window> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    // perf needs a moment to open its events on every core before the peers start.
    const stopPerf = await startPerfRecord(["-a", "-k", "CLOCK_REALTIME", "-F", String(freq), "-o", dataFile], 300);
    try {
      const mesh = await formMesh(lan, impl, capture, 30_000);
      if (!mesh.formed) throw new Error(`${IMPL_LABEL[impl]}: no mesh of ${n} in 30 s`);
      const from = lastFirstHello(mesh, lan.hosts);
      const newcomerAddress = firstHelloAt(mesh, from);
      const pids = mesh.processes.map((process, i) => ({ pid: process.pid, address: lan.hosts[i]!.address }));
      const newcomer = pids.find((p) => p.address === newcomerAddress)?.pid ?? -1;
      return { from, to: mesh.lastPairAt, newcomer, room: new Set(pids.map((p) => p.pid).filter((pid) => pid !== newcomer)) };
    } finally {
      await stopPerf();
      await capture.stop();
    }
  });
}

function roleOf(window: Window, pid: number, tid: number, comm: string): string {
  const thread = pid === tid ? "main thread" : "other threads";
  if (pid === window.newcomer) return `newcomer, ${thread}`;
  if (window.room.has(pid)) return `room, ${thread}`;
  if (pid === process.pid) return "this harness";
  if (pid === 0) return "idle";
  if (comm === "tcpdump") return "tcpdump";
  return `other: ${comm}`;
}

function tallyRound(dataFile: string, window: Window, tally: Tally): void {
  const script = spawnSync("perf", ["script", "-i", dataFile, "-F", "pid,tid,comm,time"], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (script.status !== 0) throw new Error(`perf script: ${script.stderr}`);
  const msPerSample = 1000 / freq;
  for (const line of script.stdout.split("\n")) {
    const match = /^\s*(.+?)\s+(\d+)\/(\d+)\s+([\d.]+):/.exec(line);
    if (!match) continue;
    const time = Number(match[4]) * 1000;
    if (time < window.from || time > window.to) continue;
    const role = roleOf(window, Number(match[2]), Number(match[3]), match[1]!);
    tally.ms.set(role, (tally.ms.get(role) ?? 0) + msPerSample);
  }
  tally.windowMs += window.to - window.from;
}

const dir = mkdtempSync(path.join(tmpdir(), "window-cpu-"));
const limits = raiseNeighbourLimits();
try {
  const tallies = new Map<Impl, Tally>(impls.map((impl) => [impl, { windowMs: 0, ms: new Map() }]));
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const impl of impls) {
      const dataFile = path.join(dir, `${impl}-${r}.data`);
      const window = await recordRound(impl, dataFile);
      console.log(`${IMPL_LABEL[impl]}, round ${r + 1}: last start → mesh ${round(window.to - window.from)} ms`);
      tallyRound(dataFile, window, tallies.get(impl)!);
      rmSync(dataFile, { force: true });
    }
  }
  for (const [impl, tally] of tallies) {
    console.log(`${IMPL_LABEL[impl]}, mesh of ${n}: ${round(tally.windowMs)} ms of windows over ${values.rounds} rounds ` +
      `(${round(tally.windowMs * availableParallelism())} ms of CPU on ${availableParallelism()} cores), ms of CPU in them:`);
    for (const [role, ms] of [...tally.ms].sort((a, b) => b[1] - a[1])) console.log(`  ${role.padEnd(28)} ${round(ms)}`);
  }
} finally {
  limits.restore();
  rmSync(dir, { recursive: true, force: true });
}
