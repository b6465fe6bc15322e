import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineChart, ticks } from "../../bench/chart.js";

describe("bench charts", () => {
  it("ticks are round numbers: 1-2-5 steps, or 1-2-5 per decade on a log axis", () => {
    assert.deepEqual(ticks(0, 100, false), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(ticks(0, 7, false), [0, 2, 4, 6]);
    assert.deepEqual(ticks(1, 1000, true), [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
    assert.deepEqual(ticks(5, 5, false), [5]);
  });

  it("draws one polyline per series with data, a point per value, a legend, and escapes text", () => {
    const svg = lineChart({
      title: "Latency <p99> & more",
      xLabel: "N",
      yLabel: "ms",
      xLog: true,
      yLog: true,
      series: [
        { label: "p2pchat", color: "#1f77b4", points: [[10, 5], [20, 8], [40, 12]] },
        { label: "reference peer", color: "#d62728", dashed: true, points: [[10, 9], [20, 30]] },
        { label: "nothing measured", color: "#000", points: [[10, NaN]] },
      ],
    });
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    assert.equal((svg.match(/<circle /g) ?? []).length, 5);
    assert.match(svg, /Latency &lt;p99&gt; &amp; more/);
    assert.match(svg, /stroke-dasharray/);
    assert.doesNotMatch(svg, /nothing measured/);
    assert.doesNotMatch(svg, /NaN/);
    // Points stay inside the drawing.
    for (const [, x, y] of svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)) {
      assert.ok(Number(x) >= 0 && Number(x) <= 720 && Number(y) >= 0 && Number(y) <= 420, `${x},${y}`);
    }
  });
});
