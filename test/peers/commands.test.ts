import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChatMessage } from "../../src/history/history.js";
import type { Verdict } from "../../src/history/intake.js";
import { handleCommand, type CommandContext } from "../../src/peers/commands.js";
import { MAX_IN_FLIGHT } from "../../src/protocol/frames.js";

/** Where a command's effects go: out through the context's functions, and the intake's verdict is the ack. */
describe("command effects", () => {
  function context(verdict: Verdict) {
    const stored: Array<[string, ChatMessage]> = [];
    let introduced: string | undefined;
    const ctx: CommandContext = {
      maxMessageBytes: 100,
      get remotePeerId() { return introduced; },
      remoteAddress: "198.18.0.9",
          introduce(peerId) { introduced = peerId; return undefined; },
      snapshot: () => ({ "1707243010934": { peer_id: "a", message: "pokus" } }),
      store: (id, entry) => {
        stored.push([id, entry]);
        return verdict;
      },
    };
    return { ctx, stored };
  }

  it("answers hello with the snapshot and stores new_message under the hello's peer_id", () => {
    const { ctx, stored } = context({ ok: true, outcome: "added" });
    assert.deepEqual(handleCommand({ command: "hello", peer_id: "bob" }, ctx),
      { status: "ok", messages: { "1707243010934": { peer_id: "a", message: "pokus" } }, max_in_flight: MAX_IN_FLIGHT });
    assert.deepEqual(handleCommand({ command: "new_message", message_id: "1707243010935", message: "hi", peer_id: "eve" }, ctx), { status: "ok" });
    assert.deepEqual(stored, [["1707243010935", { peer_id: "bob", message: "hi" }]]);
  });

  it("answers with the intake's refusal and its code when the intake refuses", () => {
    const { ctx } = context({ ok: false, code: "E_ID_FROM_FUTURE", message: "id is hours ahead of our clock" });
    handleCommand({ command: "hello", peer_id: "bob" }, ctx);
    assert.deepEqual(handleCommand({ command: "new_message", message_id: "1707243010935", message: "hi" }, ctx),
      { status: "error", message: "E_ID_FROM_FUTURE: id is hours ahead of our clock" });
  });
});
