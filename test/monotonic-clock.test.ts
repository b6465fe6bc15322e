// The daemon's clock for waits (src/monotonic-clock.ts): milliseconds, as performance.now()
// counts them, moving forward only.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { monotonicMs } from "../src/monotonic-clock.js";

describe("monotonicMs", () => {
  it("counts milliseconds, as performance.now() does", async () => {
    const [ours, theirs] = [monotonicMs(), performance.now()];
    await sleep(50);
    const [oursElapsed, theirsElapsed] = [monotonicMs() - ours, performance.now() - theirs];
    assert.ok(oursElapsed >= 49, `${oursElapsed} ms after a 50 ms sleep`);
    assert.ok(Math.abs(oursElapsed - theirsElapsed) < 2, `${oursElapsed} against performance.now()'s ${theirsElapsed}`);
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
