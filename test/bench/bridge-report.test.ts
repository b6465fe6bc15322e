// The bridge scenario's section of RESULTS.md, on made-up results: both directions, the baseline
// beside the figures across, and nothing when the run had no bridge scenario.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderBridge, type BridgeResult } from "../../bench/scenarios/bridge.js";

const summary = (p50: number, p99: number) => ({ count: 200, min: p50 / 2, p50, p90: (p50 + p99) / 2, p99, max: p99 * 1.5, mean: p50 });

const result: BridgeResult = {
  messages: 200,
  rate: 10,
  roomMs: 812.5,
  directions: [
    { from: "A", to: "B", withinSite: summary(1.2, 3.4), toOwnBridgeHost: summary(1.1, 3), toOtherBridgeHost: summary(4.5, 12), across: summary(6.7, 18), undelivered: 0, failedSends: 0 },
    { from: "B", to: "A", withinSite: summary(1.3, 3.6), toOwnBridgeHost: summary(1, 2.9), toOtherBridgeHost: summary(4.4, 11), across: summary(6.5, 17), undelivered: 2, failedSends: 1 },
  ],
  capture: { gaps: 0, kernelDrops: 0 },
};

describe("bench report: across the bridge", () => {
  it("puts each direction's figures across beside the same message's baseline within its site", () => {
    const text = renderBridge([result]).join("\n");
    assert.match(text, /^## 7\. Across the bridge/);
    assert.match(text, /200 messages at 10\/s/);
    assert.match(text, /connected 812\.5 ms after/);
    assert.match(text, /\| within its site \(baseline\) p50 \/ p99 \|/);
    assert.ok(text.includes("| A → B | 1.2 / 3.4 ms | 1.1 / 3 ms | 4.5 / 12 ms | 6.7 / 18 ms | 0 |"), text);
    assert.ok(text.includes("| B → A | 1.3 / 3.6 ms | 1 / 2.9 ms | 4.4 / 11 ms | 6.5 / 17 ms | 3 |"), text);
  });

  it("renders nothing for a run without the bridge scenario", () => {
    assert.deepEqual(renderBridge([]), []);
  });
});
