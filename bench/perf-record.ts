// `perf record` beside a benchmark scenario, for the tools that read where its time goes
// (sender-trace.ts, room-profile.ts, window-cpu.ts): started, given a moment to open its events,
// and stopped with SIGINT, on which it writes its file. Needs perf (Debian: linux-perf).
import { spawn, spawnSync } from "node:child_process";
import { sleep } from "./clock.js";

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
