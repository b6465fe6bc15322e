// The benchmark's options that change its plan.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWarmup } from "../../bench/plan.js";

describe("--delivery-warmup", () => {
  it("takes a count, and a count at a rate", () => {
    assert.deepEqual(parseWarmup("2000"), { messages: 2000 });
    assert.deepEqual(parseWarmup("2000@200"), { messages: 2000, rate: 200 });
    assert.deepEqual(parseWarmup("0"), { messages: 0 });
  });

  it("says what it expects of anything else", () => {
    for (const wrong of ["", "abc", "-5", "100@", "@200", "100@0", "100@20000", "200000", "1.5", "100@2@3"]) {
      const answer = parseWarmup(wrong);
      assert.equal(typeof answer, "string", wrong);
      assert.match(answer as string, /expected N or N@RATE/);
      assert.match(answer as string, new RegExp(JSON.stringify(wrong).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    }
  });
});
