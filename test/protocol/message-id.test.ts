// Message id rules (docs/protocol.md "Identity and ports": at least 13 decimal digits; "Tolerate": a
// JSON number). The issue behind the canonical form: 0N, 000N and N were stored as three messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  canonicalMessageId,
  compareMessageIds,
  isCanonicalMessageId,
  isMessageId,
  MessageIdClock,
  normalizeMessageId,
} from "../../src/protocol/message-id.js";

describe("message ids: what is accepted", () => {
  it("takes a string of 13 or more decimal digits, leading zeros included", () => {
    for (const id of ["1707243010934", "1707243010934123", "0000000000042", "0000000000000"]) {
      assert.equal(isMessageId(id), true, id);
      assert.notEqual(normalizeMessageId(id), undefined, id);
    }
  });

  it("refuses shorter ids, other characters, padding and signs", () => {
    for (const bad of ["170724301093", "", "17072430109x4", " 1707243010934", "1707243010934 ", "+1707243010934",
      "-1707243010934", "1707243010934.0", "1.707243010934e12", "１７０７２４３０１０９３４"]) {
      assert.equal(normalizeMessageId(bad), undefined, JSON.stringify(bad));
    }
  });

  it("takes a JSON number while it is an exact non-negative integer of 13+ digits", () => {
    assert.equal(normalizeMessageId(1707243010934), "1707243010934");
    assert.equal(normalizeMessageId(Number.MAX_SAFE_INTEGER), String(Number.MAX_SAFE_INTEGER));
    for (const bad of [170724301093, 42, 1707243010934.5, -1707243010934, 2 ** 60, Number.NaN, Infinity]) {
      assert.equal(normalizeMessageId(bad), undefined, String(bad));
    }
  });

  it("refuses every other JSON type", () => {
    for (const bad of [null, undefined, true, {}, [], ["1707243010934"]]) {
      assert.equal(normalizeMessageId(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe("message ids: 0N is N", () => {
  it("gives every spelling of one number one canonical id", () => {
    const spellings = ["1707243010934", "01707243010934", "0001707243010934", 1707243010934];
    for (const spelling of spellings) assert.equal(normalizeMessageId(spelling), "1707243010934", String(spelling));
  });

  it("keeps zeros only as far as 13 digits, so a canonical id is still an id by the protocol's rule", () => {
    assert.equal(canonicalMessageId("00000000000042"), "0000000000042");
    assert.equal(canonicalMessageId("0000000000042"), "0000000000042");
    assert.equal(canonicalMessageId("000000000000000"), "0000000000000");
    assert.equal(canonicalMessageId("1707243010934"), "1707243010934", "no zero to strip: itself");
    assert.equal(canonicalMessageId("42"), "0000000000042", "short: zeros put back, as for any spelling");
    assert.equal(normalizeMessageId("000000000000000"), "0000000000000");
    assert.equal(isMessageId(canonicalMessageId("00000000000042")), true);
  });

  it("knows canonical ids from other spellings", () => {
    assert.equal(isCanonicalMessageId("1707243010934"), true);
    assert.equal(isCanonicalMessageId("0000000000042"), true);
    assert.equal(isCanonicalMessageId("01707243010934"), false);
    assert.equal(isCanonicalMessageId("00000000000042"), false);
    assert.equal(isCanonicalMessageId("170724301093"), false);
  });

  it("leaves ids longer than a double can hold exact", () => {
    const micro = "17072430109341234567";
    assert.equal(normalizeMessageId(micro), micro);
    assert.equal(normalizeMessageId("000" + micro), micro);
  });

  it("orders ids numerically across lengths, and two spellings of one id as equal", () => {
    assert.ok(compareMessageIds("9999999999999", "10000000000000") < 0);
    assert.ok(compareMessageIds("0009999999999999", "10000000000000") < 0);
    assert.ok(compareMessageIds("1707243010935", "1707243010934") > 0);
    assert.equal(compareMessageIds("0001707243010934", "1707243010934"), 0);
  });

  it("agrees with the ids' numeric order on every mix of leading zeros and lengths", () => {
    // The fast path (no leading zero on either side) and the general one must give one order.
    const ids = ["0000000000000", "0000000000001", "0000000000010", "1000000000000", "9999999999999",
      "10000000000000", "01000000000000", "00010000000000", "1707243010934", "1707243010935",
      "001707243010934", "17072430109341234567", "017072430109341234568"];
    for (const a of ids) {
      for (const b of ids) {
        const numeric = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        assert.equal(Math.sign(compareMessageIds(a, b)), numeric, `${a} vs ${b}`);
      }
    }
  });
});

describe("MessageIdClock", () => {
  it("gives canonical, strictly increasing ids even when the clock stands still or steps back", () => {
    let now = 1_707_243_010_934;
    const clock = new MessageIdClock(() => now);
    const first = clock.next();
    const second = clock.next();
    now -= 5_000;
    const third = clock.next();
    assert.deepEqual([first, second, third], ["1707243010934", "1707243010935", "1707243010936"]);
    for (const id of [first, second, third]) assert.equal(isCanonicalMessageId(id), true);
  });
});
