import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHistory } from "../../src/probe/history-shape.js";

describe("checkHistory (docs/protocol.md §2-§4 history shape)", () => {
  it("accepts ids of 13+ digits with {peer_id, message}, extra fields and all", () => {
    const shape = checkHistory({
      "1707243010934": { peer_id: "molic-peer3", message: "pokus" },
      "17072430109350": { peer_id: "b", message: "", extra: 1 },
    }, { ordered: true });
    assert.deepEqual(shape.problems, []);
    assert.equal(shape.valid.length, 2);
  });

  it("names every entry that breaks the shape", () => {
    const shape = checkHistory({
      "170724301": { peer_id: "a", message: "short id" },
      "1707243010934": "not an object",
      "1707243010935": { message: "no peer" },
      "1707243010936": { peer_id: "a", message: 42 },
    });
    assert.equal(shape.problems.length, 4);
    assert.match(shape.problems.join("; "), /"170724301": id is not 13\+ digits/);
    assert.match(shape.problems.join("; "), /"1707243010935": peer_id/);
    assert.match(shape.problems.join("; "), /"1707243010936": message is not a string/);
  });

  it("wants the HTTP history oldest first, numerically", () => {
    const ok = { "9999999999999": { peer_id: "a", message: "1" }, "10000000000000": { peer_id: "a", message: "2" } };
    assert.deepEqual(checkHistory(ok, { ordered: true }).problems, []);
    const reversed = { "1707243010935": { peer_id: "a", message: "2" }, "1707243010934": { peer_id: "a", message: "1" } };
    assert.match(checkHistory(reversed, { ordered: true }).problems[0] ?? "", /not oldest first/);
  });

  it("rejects what is not an object at all", () => {
    assert.match(checkHistory([]).problems[0] ?? "", /an array, not an object/);
    assert.match(checkHistory(undefined).problems[0] ?? "", /missing/);
  });

  it("reads ids the way the peer does: two spellings of one id are one entry, in canonical form", () => {
    const shape = checkHistory({
      "0001707243010934": { peer_id: "a", message: "padded" },
      "1707243010935": { peer_id: "a", message: "plain" },
    }, { ordered: true });
    assert.deepEqual(shape.problems, []);
    assert.deepEqual(shape.valid.map(([id]) => id), ["1707243010934", "1707243010935"]);
  });
});
