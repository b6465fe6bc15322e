// `perf record` beside a benchmark scenario, for the tools that read where its time goes
// (sender-trace.ts, room-profile.ts, window-cpu.ts, idle.ts): started, given a moment to open its
// events, and stopped with SIGINT, on which it writes its file; and its file read back by kind of
// code (room-samples.ts). Needs perf (Debian: linux-perf).
import { spawn, spawnSync } from "node:child_process";
import { sleep } from "./clock.js";
import { parsePerfReport, roomProfile, type RoomProfile } from "./room-samples.js";

/** Stops the tool at once, before any scenario runs, where perf is missing. */
export function requirePerf(): void {
  if (spawnSync("perf", ["--version"]).status !== 0) throw new Error("perf is needed: apt-get install linux-perf");
}

/**
 * Starts `perf record` with `args` (what to sample, where to write it) and resolves once it has
 * had `settleMs` to open its events on every thread or core; the function it resolves to stops it
 * and resolves once its file is written.
 */
export async function startPerfRecord(args: readonly string[], settleMs: number): Promise<() => Promise<void>> {
  const perf = spawn("perf", ["record", "-q", ...args], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => perf.once("exit", () => resolve()));
  await sleep(settleMs);
  return async () => {
    perf.kill("SIGINT");
    await exited;
  };
}

/**
 * The samples of the `perf record -p` file `file` by kind of code, the threads in `mainThreads`
 * (each process's own id) apart from the others; `what` names the recording if perf fails.
 */
export function roomProfileOf(file: string, mainThreads: ReadonlySet<number>, what: string): RoomProfile {
  const report = spawnSync("perf", ["report", "-i", file, "--stdio", "--no-children", "--sort", "pid,dso,sym", "-n", "-t", "|"],
    { encoding: "utf8", maxBuffer: 1 << 28 });
  if (report.status !== 0) throw new Error(`perf report of ${what} failed: ${report.stderr.trim().split("\n").slice(-2).join(" | ")}`);
  return roomProfile(parsePerfReport(report.stdout), mainThreads);
}
