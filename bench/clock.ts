// One clock for the harness and the packet capture. tcpdump stamps packets with the kernel's wall
// clock (µs); performance.timeOrigin + performance.now() is the same wall clock read with
// sub-millisecond resolution, and monotonic within the run (Date.now() has only whole ms).
import { setTimeout as sleep } from "node:timers/promises";

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** How far this clock is from Date.now() (ms): near 0 unless the wall clock was stepped. */
export function clockSkewMs(): number {
  return nowMs() - Date.now();
}

/** Polls `check` every `intervalMs` until it returns true; false once `timeoutMs` has passed. */
export async function until(check: () => boolean, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export { sleep };
