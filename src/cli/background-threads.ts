import { readdirSync } from "node:fs";
import { setPriority } from "node:os";

/** nice(1)'s lowest priority: such a thread runs when a core has nothing else to run. */
const LOWEST_PRIORITY = 19;

/**
 * Gives every thread of this process but the main one the lowest CPU priority, and returns how
 * many it lowered. Those threads are V8's and libuv's helpers: V8 compiles hot functions on them
 * (TurboFan) and marks and sweeps part of the heap; none of it is what a peer waits for. On a
 * host that several peers share (a classroom's demo machine, the benchmark's namespaces on two
 * cores), every peer of a room reaches V8's optimising threshold at the same message, since every
 * peer handles the same messages, and their compiles at once delayed the main threads that
 * deliver messages (bench/analysis.md "A room past V8's threshold"). At the lowest priority they run
 * when a core is free; on a host with cores to spare nothing changes.
 *
 * Linux gives each thread its own nice value (setpriority(2) with a thread id; /proc/self/task
 * lists them). Threads made later, such as libuv's pool on its first use, keep the main thread's
 * priority. Elsewhere (no /proc) it does nothing.
 */
export function lowerBackgroundThreads(): number {
  let threads: string[];
  try {
    threads = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const entry of threads) {
    const thread = Number(entry);
    if (thread === process.pid || !Number.isInteger(thread)) continue;
    try {
      setPriority(thread, LOWEST_PRIORITY);
      lowered++;
    } catch {
      // Ended since it was listed, or not allowed (a system call filter without setpriority):
      // it keeps its priority, and the peer works as before.
    }
  }
  return lowered;
}
