import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../src/history/history.js";
import { newestWithinBudget } from "../../src/policy/reply-budget.js";
import { encodeFrame } from "../../src/protocol/encoder.js";
import { helloReply } from "../../src/protocol/frames.js";

const entries = (count: number, text: (i: number) => string): Array<[string, ChatMessage]> =>
  Array.from({ length: count }, (_, i) => [String(1_796_169_600_000 + i), { peer_id: `p${i % 3}`, message: text(i) }]);

describe("hello reply within a byte budget", () => {
  it("keeps everything that fits, oldest first", () => {
    const all = entries(100, (i) => `message ${i}`);
    const { messages, left } = newestWithinBudget(all, 1024 * 1024);
    assert.equal(left, 0);
    assert.deepEqual(Object.keys(messages), all.map(([id]) => id));
  });

  it("keeps the newest that fit, and the encoded frame is within the budget at every size", () => {
    const all = entries(100, (i) => "ž".repeat(30 * 1024 + i)); // about 60 KiB each, 6 MB in all
    for (const budget of [100, 70_000, 1024 * 1024, 4 * 1024 * 1024]) {
      const { messages, left } = newestWithinBudget(all, budget);
      const frame = encodeFrame(helloReply(messages));
      assert.ok(frame.length <= budget || Object.keys(messages).length === 0, `budget ${budget}: ${frame.length} bytes`);
      assert.deepEqual(Object.keys(messages), all.slice(left).map(([id]) => id), "a suffix: the newest");
      // And one more would not have fitted.
      if (left > 0) {
        const oneMore = newestWithinBudget(all, budget + 0).messages;
        assert.equal(Object.keys(oneMore).length, 100 - left);
        const bigger = encodeFrame(helloReply(Object.fromEntries(all.slice(left - 1).map(([id, m]) => [id, m]))));
        assert.ok(bigger.length > budget);
      }
    }
  });

  it("counts the exact bytes JSON writes, escapes included", () => {
    const all = entries(5, () => "\"quoted\"\n\u0001 <b>");
    const exact = encodeFrame(helloReply(Object.fromEntries(all))).length;
    assert.equal(newestWithinBudget(all, exact).left, 0);
    assert.equal(newestWithinBudget(all, exact - 1).left, 1);
  });
});
