// handleCommand validates through parseCommand; the replies peers see must not change by a byte
// (docs/protocol.md §2: malformed commands are answered {"status":"error","message":"<why>"}).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { History } from "../../src/history/history.js";
import { MessageIntake } from "../../src/history/intake.js";
import type { Logger } from "../../src/log/logger.js";
import { handleCommand, type CommandContext } from "../../src/peers/commands.js";
import { encodeFrame } from "../../src/protocol/encoder.js";

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {}, enabled: () => false };

function connection(remotePeerId: string | undefined, history = new History(100)) {
  const introduced: string[] = [];
  const intake = new MessageIntake(history, quiet);
  const ctx: CommandContext = {
    remoteAddress: "198.18.0.2",
    remotePeerId,
    maxMessageBytes: 10,
    introduce: (peerId) => {
      introduced.push(peerId);
      return undefined;
    },
    snapshot: () => history.toJSON(),
    store: (id, entry, source) => intake.receive(id, entry, source),
  };
  return { ctx, history, introduced };
}

/** The reply as the bytes that go on the wire, or undefined for no reply. */
function wire(frame: Record<string, unknown>, ctx: CommandContext): string | undefined {
  const reply = handleCommand(frame, ctx);
  return reply === undefined ? undefined : encodeFrame(reply).toString("utf8");
}

describe("handleCommand replies", () => {
  it("answers every refusal with the exact bytes it always has", () => {
    const { ctx, history } = connection("alice");
    const PEER_ID = "hello needs a peer_id: a non-empty string of at most 256 characters";
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, "E_NO_COMMAND: missing command"],
      [{ command: ["hello"] }, "E_NO_COMMAND: missing command"],
      [{ command: "dance" }, 'E_UNKNOWN_COMMAND: unknown command "dance"'],
      [{ command: "__proto__" }, 'E_UNKNOWN_COMMAND: unknown command "__proto__"'],
      [{ command: "\u{1F600}".repeat(40) }, `E_UNKNOWN_COMMAND: unknown command ${JSON.stringify("\u{1F600}".repeat(40).slice(0, 64))}`],
      [{ command: "hello" }, `E_BAD_PEER_ID: ${PEER_ID}`],
      [{ command: "hello", peer_id: " \t" }, `E_BAD_PEER_ID: ${PEER_ID}`],
      [{ command: "hello", peer_id: "p".repeat(257) }, `E_BAD_PEER_ID: ${PEER_ID}`],
      [{ command: "new_message", message_id: "170724301093", message: "m" }, "E_BAD_MESSAGE_ID: message_id must be a string of at least 13 digits"],
      [{ command: "new_message", message_id: 1.5e12 + 0.5, message: "m" }, "E_BAD_MESSAGE_ID: message_id must be a string of at least 13 digits"],
      [{ command: "new_message", message_id: "1707243010934" }, "E_BAD_MESSAGE: message must be a string"],
      [{ command: "new_message", message_id: "1707243010934", message: "far over ten bytes" },
        "E_MESSAGE_TOO_LARGE: message over 10 bytes, not stored"],
    ];
    for (const [frame, message] of cases) {
      assert.equal(wire(frame, ctx), JSON.stringify({ status: "error", message }) + "\n", JSON.stringify(frame).slice(0, 60));
    }
    assert.equal(history.size, 0);
  });

  it("refuses a new_message before hello as E_NOT_INTRODUCED, however malformed it is", () => {
    const { ctx, history } = connection(undefined);
    const expected = '{"status":"error","message":"E_NOT_INTRODUCED: send hello first"}\n';
    assert.equal(wire({ command: "new_message", message_id: "1707243010934", message: "early" }, ctx), expected);
    assert.equal(wire({ command: "new_message", message_id: "1", message: 42 }, ctx), expected);
    assert.equal(history.size, 0);
  });

  it("answers a hello with the whole history and introduces the peer_id exactly as sent", () => {
    const history = new History(100);
    history.add("1707243010934", { peer_id: "x", message: "pokus" });
    const { ctx, introduced } = connection(undefined, history);
    assert.equal(wire({ command: "hello", peer_id: " spaced " }, ctx),
      '{"status":"ok","messages":{"1707243010934":{"peer_id":"x","message":"pokus"}},"max_in_flight":32}\n');
    assert.deepEqual(introduced, [" spaced "]);
  });

  it("answers nothing to a status frame", () => {
    const { ctx } = connection("alice");
    assert.equal(wire({ status: "ok", messages: {} }, ctx), undefined);
    assert.equal(wire({ status: "error", message: "whatever" }, ctx), undefined);
  });

  it("stores 0N, 000N and the number N as one message, under the hello's peer_id", () => {
    const { ctx, history } = connection("alice");
    const spellings = ["1707243010934", "01707243010934", "0001707243010934", 1707243010934];
    for (const id of spellings) {
      assert.equal(wire({ command: "new_message", message_id: id, message: "once", peer_id: "mallory" }, ctx), '{"status":"ok"}\n');
    }
    // Another message under any spelling of the id is refused: the first one stays, and an ack means stored.
    assert.match(wire({ command: "new_message", message_id: "01707243010934", message: "twice" }, ctx) ?? "",
      /^\{"status":"error","message":"E_ID_CLASH: message_id 1707243010934 already holds another message/);
    assert.deepEqual(history.list(), [{ id: "1707243010934", peer_id: "alice", message: "once", via: "198.18.0.2" }]);
  });
});
