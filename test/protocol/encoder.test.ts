import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodedOnce, encodeFrame } from "../../src/protocol/encoder.js";

describe("encoder", () => {
  it("encodes a frame as one compact JSON line", () => {
    assert.equal(encodeFrame({ command: "hello", peer_id: "a" }).toString(), '{"command":"hello","peer_id":"a"}\n');
    assert.throws(() => encodeFrame([1, 2]), TypeError);
  });

  it("a frame encoded once gives the same bytes every time, and cannot be changed after", () => {
    const frame = encodedOnce({ command: "new_message", message_id: "1707243010934", message: "ahoj 👋", peer_id: "a" });
    const first = encodeFrame(frame);
    assert.equal(first.toString(), '{"command":"new_message","message_id":"1707243010934","message":"ahoj 👋","peer_id":"a"}\n');
    assert.equal(encodeFrame(frame), first, "the same Buffer, not a new encoding");
    assert.ok(Object.isFrozen(frame));
    assert.throws(() => {
      (frame as { message: string }).message = "changed";
    }, TypeError);
    // An equal object made apart is encoded on its own.
    const twin = { ...frame };
    assert.notEqual(encodeFrame(twin), first);
    assert.deepEqual(encodeFrame(twin), first);
  });
});
