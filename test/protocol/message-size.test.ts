import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOverBytes } from "../../src/protocol/message-size.js";

describe("isOverBytes ([HISTORY] max_message_bytes counts UTF-8 bytes)", () => {
  it("agrees with the encoded length at and around the limit, for text of 1, 2, 3 and 4 bytes a character", () => {
    // "é" is 2 bytes, "€" 3, "👋" 4 (two UTF-16 units), a lone surrogate 3 (encoded as U+FFFD).
    for (const unit of ["a", "é", "€", "👋", "\ud800"]) {
      for (let count = 0; count <= 40; count++) {
        const text = unit.repeat(count);
        const bytes = Buffer.byteLength(text);
        for (const max of [bytes - 1, bytes, bytes + 1, Math.floor(text.length * 3) - 1, text.length * 3]) {
          if (max < 0) continue;
          assert.equal(isOverBytes(text, max), bytes > max, `${count} × ${JSON.stringify(unit)} against ${max}`);
        }
      }
    }
  });
});
