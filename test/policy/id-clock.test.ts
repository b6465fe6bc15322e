import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_MAX_AHEAD_MS, judgeIdAgainstClock } from "../../src/policy/id-clock.js";

const NOW = 1_796_169_600_000; // 2026-12-01

describe("ids judged against our clock (docs/protocol.md: clocks are wrong)", () => {
  it("accepts ids of the past and of the present, and a little ahead for clock skew", () => {
    for (const id of [String(NOW - 3_600_000), String(NOW), String(NOW + DEFAULT_MAX_AHEAD_MS), "0000000000001"]) {
      assert.equal(judgeIdAgainstClock(id, NOW), undefined, id);
    }
  });

  it("refuses an id from a clock an hour ahead, saying by how much", () => {
    const verdict = judgeIdAgainstClock(String(NOW + 3_600_000), NOW);
    assert.equal(verdict?.code, "E_ID_FROM_FUTURE");
    assert.match(verdict?.why ?? "", /60 min ahead of our clock/);
  });

  it("names microseconds and nanoseconds when the id has their number of digits", () => {
    assert.match(judgeIdAgainstClock(String(NOW) + "123", NOW)?.why ?? "", /16 digits: it looks like microseconds/);
    assert.match(judgeIdAgainstClock(String(NOW) + "123456", NOW)?.why ?? "", /19 digits: it looks like nanoseconds/);
  });

  it("compares ids too long for a double exactly", () => {
    assert.ok(judgeIdAgainstClock("9".repeat(40), NOW));
    assert.equal(judgeIdAgainstClock(String(NOW + DEFAULT_MAX_AHEAD_MS + 1), NOW)?.code, "E_ID_FROM_FUTURE");
  });
});
