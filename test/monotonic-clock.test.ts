// The daemon's clock for waits (src/monotonic-clock.ts): milliseconds, as performance.now()
// counts them, moving forward only.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { monotonicMs } from "../src/monotonic-clock.js";

function bracket(): { before: number; theirs: number; after: number } {
  const before = monotonicMs();
  const theirs = performance.now();
  return { before, theirs, after: monotonicMs() };
}

describe("monotonicMs", () => {
  it("counts milliseconds, as performance.now() does", async () => {
    performance.now(); // its first call loads perf_hooks, which must not fall between our readings
    // Each reading of performance.now() is bracketed by two of ours, so a pause of the process
    // (a busy CI machine, a collection) between two readings widens the bracket instead of
    // failing the comparison.
    const start = bracket();
    await sleep(50);
    const end = bracket();
    const theirsElapsed = end.theirs - start.theirs;
    assert.ok(end.before - start.after >= 49, `${end.before - start.after} ms after a 50 ms sleep`);
    const slack = 0.01; // float rounding of two clocks read in nanoseconds
    assert.ok(
      theirsElapsed >= end.before - start.after - slack && theirsElapsed <= end.after - start.before + slack,
      `performance.now()'s ${theirsElapsed} ms outside ours, ${end.before - start.after}-${end.after - start.before} ms`,
    );
  });

  it("never goes back, and tells apart calls a few microseconds apart", () => {
    let before = monotonicMs();
    let moved = 0;
    for (let i = 0; i < 10_000; i++) {
      const now = monotonicMs();
      assert.ok(now >= before, `${now} after ${before}`);
      if (now > before) moved++;
      before = now;
    }
    assert.ok(moved > 100, `moved ${moved} times in 10,000 calls`);
  });
});
