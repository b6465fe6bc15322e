import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quantile, round, summarize } from "../../bench/stats.js";

describe("bench stats", () => {
  it("quantiles are nearest-rank: always a sample, p99 of 200 is the second largest", () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200..1, unsorted input
    assert.equal(quantile(values, 0.5), 100);
    assert.equal(quantile(values, 0.99), 198);
    assert.equal(quantile(values, 1), 200);
    assert.equal(quantile(values, 0), 1);
    assert.equal(quantile([7], 0.99), 7);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.throws(() => quantile([1], 1.5), RangeError);
  });

  it("summarize gives count, extremes, mean and percentiles without changing its input", () => {
    const values = [5, 1, 4, 2, 3];
    const s = summarize(values);
    assert.deepEqual(s, { count: 5, min: 1, p50: 3, p90: 5, p99: 5, max: 5, mean: 3 });
    assert.deepEqual(values, [5, 1, 4, 2, 3]);
    assert.equal(summarize([]).count, 0);
    assert.ok(Number.isNaN(summarize([]).p50));
  });

  it("round keeps three significant digits below 100 and whole numbers above", () => {
    assert.equal(round(12345.6), 12346);
    assert.equal(round(46.38), 46.4);
    assert.equal(round(6.734), 6.73);
    assert.equal(round(0.12345), 0.123);
    assert.equal(round(-3.456), -3.46);
    assert.ok(Number.isNaN(round(NaN)));
  });
});
