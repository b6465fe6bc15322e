// The probe judges a target's hello replies and acks by the peer's own rule (parseReply), so the
// probe and the daemon never disagree about what counts as a yes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TappedFrame } from "../../src/probe/frame-tap.js";
import { accepted, type Reply } from "../../src/probe/target-connection.js";

const item = {} as TappedFrame;
const frame = (value: Record<string, unknown>): Reply => ({ kind: "frame", value, item });

describe("accepted (a target's reply read as yes or no)", () => {
  it("takes status ok, with the history a hello reply carries, extra fields and all", () => {
    const messages = { "1707243010934": { peer_id: "a", message: "x" } };
    assert.deepEqual(accepted(frame({ status: "ok", messages, extra: 1 })), { messages });
    assert.deepEqual(accepted(frame({ status: "ok" })), { messages: undefined });
  });

  it("refuses any other status, a frame without one, a command, and what is not a frame", () => {
    for (const reply of [
      frame({ status: "error", message: "no" }),
      frame({ status: "OK" }),
      frame({ messages: {} }),
      frame({ command: "hello", peer_id: "p", status: "ok" }),
      { kind: "bad", why: "not JSON", item } as const,
      { kind: "timeout", afterMs: 5 } as const,
      { kind: "closed", why: "reset" } as const,
    ]) {
      assert.equal(accepted(reply), undefined, JSON.stringify(reply));
    }
  });
});
