import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeForm, frameForm } from "../../src/probe/frame-form.js";

describe("frameForm (is a frame compact one-line JSON?)", () => {
  it("takes compact JSON as compact, whatever its strings hold", () => {
    assert.equal(frameForm(Buffer.from('{"message":"a b\\n c","q":"\\" }"}')).compact, true);
    assert.equal(frameForm(Buffer.from('{"a":[1,2],"b":{}}')).compact, true);
  });

  it("counts line breaks and spaces outside strings", () => {
    const pretty = frameForm(Buffer.from('{\n  "status": "ok",\n  "messages": {}\n}'));
    assert.deepEqual({ compact: pretty.compact, lineBreaks: pretty.lineBreaks }, { compact: false, lineBreaks: 3 });
    assert.equal(describeForm(pretty), "spread over 4 lines");
    const spaced = frameForm(Buffer.from('{"status": "ok", "peer_id": "x"}'));
    assert.deepEqual(spaced, { compact: false, lineBreaks: 0, spaces: 3 });
    assert.equal(describeForm(spaced), "3 spaces between tokens");
  });
});
