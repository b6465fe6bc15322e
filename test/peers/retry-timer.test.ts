import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RetryTimer } from "../../src/peers/retry-timer.js";

describe("RetryTimer", () => {
  it("doubles the delay up to the cap, with ±25 % jitter", () => {
    const low = new RetryTimer(100, 1_000, () => 0);
    const high = new RetryTimer(100, 1_000, () => 0.999999);
    const lows: number[] = [];
    const highs: number[] = [];
    for (let i = 0; i < 6; i++) {
      lows.push(low.schedule(() => {}));
      highs.push(high.schedule(() => {}));
    }
    low.cancel();
    high.cancel();
    assert.deepEqual(lows, [75, 150, 300, 600, 750, 750]);
    assert.deepEqual(highs, [125, 250, 500, 1_000, 1_250, 1_250]);
  });

  it("starts again from the shortest delay after reset", () => {
    const timer = new RetryTimer(100, 1_000, () => 0.5);
    timer.schedule(() => {});
    timer.schedule(() => {});
    timer.reset();
    assert.equal(timer.pending, false);
    assert.equal(timer.nextDelay(), 100);
  });

  it("runs the scheduled function once, after the delay", async () => {
    const timer = new RetryTimer(20, 20, () => 0.5);
    let runs = 0;
    timer.schedule(() => runs++);
    assert.equal(timer.pending, true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(runs, 1);
    assert.equal(timer.pending, false);
  });
});
