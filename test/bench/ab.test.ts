import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abbaOrder, compareRounds, whyItFailed } from "../../bench/ab.js";

describe("two builds in turn", () => {
  it("runs them ABBA: each first as often as second, both in every stretch of four", () => {
    assert.deepEqual(abbaOrder(1), ["before", "after"]);
    assert.deepEqual(abbaOrder(4), ["before", "after", "after", "before", "before", "after", "after", "before"]);
    const order = abbaOrder(5);
    assert.equal(order.filter((b) => b === "before").length, 5);
    assert.equal(order.filter((b) => b === "after").length, 5);
    assert.throws(() => abbaOrder(0), RangeError);
    assert.throws(() => abbaOrder(2.5), RangeError);
  });

  it("compares the k-th round of each build, and takes each build's median", () => {
    const result = compareRounds([2.2, 2.6, 3.1, 2.8], [2.9, 2.5, 3.4, 3.0]);
    assert.deepEqual(result, { before: 2.6, after: 2.9, afterHigher: 3, pairs: 4 });
    // A build with a round fewer (one failed): the pairs are the rounds both have.
    assert.equal(compareRounds([1, 2, 3], [4, 5]).pairs, 2);
    assert.throws(() => compareRounds([], [1]), RangeError);
  });

  it("says why a round failed by its error, not by the stack frames under it", () => {
    const crash = [
      "file:///work/main/dist/bench/scenarios/delivery.js:58",
      "            throw new Error(`${impl}: no full mesh of ${n} within ${options.meshTimeoutMs} ms`);",
      "                  ^",
      "",
      "Error: p2pchat: no full mesh of 10 within 20000 ms",
      "    at file:///work/main/dist/bench/scenarios/delivery.js:58:19",
      "    at async withLan (file:///work/main/dist/test/lan/netns.js:120:16)",
      "",
      "Node.js v20.20.2",
      "",
    ].join("\n");
    assert.match(whyItFailed(crash), /\| Error: p2pchat: no full mesh of 10 within 20000 ms$/);
    assert.doesNotMatch(whyItFailed(crash), /at async|Node\.js v/);
    assert.equal(whyItFailed(""), "(nothing on standard error)");
  });
});
