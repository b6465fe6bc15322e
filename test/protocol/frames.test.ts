// The typed reading of frames: parseCommand (docs/protocol.md §2), parseReply (hello replies and
// acks), parseDatagram (§1), unwrapHistoryBody (§4), and the peer_id rule they share.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  errorReply,
  MAX_REFUSAL_CHARS,
  parseCommand,
  parseDatagram,
  parseReply,
  unwrapHistoryBody,
  type ParsedCommand,
} from "../../src/protocol/frames.js";
import { isPeerId, MAX_PEER_ID_LENGTH } from "../../src/protocol/peer-id.js";

const refusalCode = (parsed: ParsedCommand): string | undefined =>
  parsed.kind === "refused" ? parsed.refusal.code : undefined;

describe("peer_id rule", () => {
  it("takes a non-empty string of at most 256 characters, kept as sent", () => {
    for (const id of ["molic-peer1", "a", " padded ", "x".repeat(MAX_PEER_ID_LENGTH), "žluťoučký kůň"]) {
      assert.equal(isPeerId(id), true, JSON.stringify(id));
    }
  });

  it("refuses the empty, the blank, the too long and what is not a string", () => {
    for (const bad of ["", " ", "\t\n", "x".repeat(MAX_PEER_ID_LENGTH + 1), 42, null, undefined, ["a"], { id: "a" }]) {
      assert.equal(isPeerId(bad), false, JSON.stringify(bad));
    }
  });
});

describe("parseCommand", () => {
  it("reads a hello, ignoring extra fields", () => {
    assert.deepEqual(parseCommand({ command: "hello", peer_id: "molic-peer1", version: 2 }), {
      kind: "command",
      command: { command: "hello", peer_id: "molic-peer1" },
    });
  });

  it("reads a new_message with its id canonical, a numeric id included, and the sender's peer_id claim", () => {
    assert.deepEqual(parseCommand({ command: "new_message", message_id: "1707243010934", message: "pokus" }), {
      kind: "command",
      command: { command: "new_message", message_id: "1707243010934", message: "pokus" },
    });
    assert.deepEqual(parseCommand({ command: "new_message", message_id: 1707243010934, message: "n", peer_id: "me", x: 1 }), {
      kind: "command",
      command: { command: "new_message", message_id: "1707243010934", message: "n", peer_id: "me" },
    });
    const padded = parseCommand({ command: "new_message", message_id: "0001707243010934", message: "0N" });
    assert.equal(padded.kind === "command" && padded.command.command === "new_message" && padded.command.message_id, "1707243010934");
  });

  it("keeps the message text exactly as received (HTML-escaped text stays escaped)", () => {
    const parsed = parseCommand({ command: "new_message", message_id: "1707243010934", message: "a &lt;b&gt; " });
    assert.equal(parsed.kind === "command" && parsed.command.command === "new_message" && parsed.command.message, "a &lt;b&gt; ");
  });

  it("leaves a non-string peer_id claim out of a new_message instead of refusing it", () => {
    const parsed = parseCommand({ command: "new_message", message_id: "1707243010934", message: "m", peer_id: 7 });
    assert.equal(parsed.kind, "command");
    assert.equal(parsed.kind === "command" && "peer_id" in parsed.command, false);
  });

  it("calls a frame with a status and no command a status frame, never a refusal", () => {
    for (const frame of [{ status: "ok" }, { status: "error", message: "x" }, { status: "ok", messages: {} }, { status: null }]) {
      assert.deepEqual(parseCommand(frame), { kind: "status" }, JSON.stringify(frame));
    }
  });

  it("refuses each malformed command with its stable code and the words peers see today", () => {
    const cases: Array<[Record<string, unknown>, string, string, string | undefined]> = [
      [{}, "E_NO_COMMAND", "missing command", undefined],
      [{ command: 7, status: "ok" }, "E_NO_COMMAND", "missing command", undefined],
      [{ command: "dance" }, "E_UNKNOWN_COMMAND", 'unknown command "dance"', undefined],
      [{ command: "toString" }, "E_UNKNOWN_COMMAND", 'unknown command "toString"', undefined],
      [{ command: "x".repeat(100) }, "E_UNKNOWN_COMMAND", `unknown command "${"x".repeat(64)}"`, undefined],
      [{ command: "hello" }, "E_BAD_PEER_ID", "hello needs a peer_id: a non-empty string of at most 256 characters", "hello"],
      [{ command: "hello", peer_id: "  " }, "E_BAD_PEER_ID", "hello needs a peer_id: a non-empty string of at most 256 characters", "hello"],
      [{ command: "new_message", message_id: "170724301093", message: "m" }, "E_BAD_MESSAGE_ID",
        "message_id must be a string of at least 13 digits", "new_message"],
      [{ command: "new_message", message_id: "1707243010934" }, "E_BAD_MESSAGE", "message must be a string", "new_message"],
      [{ command: "new_message", message_id: "1707243010934", message: 42 }, "E_BAD_MESSAGE", "message must be a string", "new_message"],
      // The id is judged first.
      [{ command: "new_message", message: 42 }, "E_BAD_MESSAGE_ID", "message_id must be a string of at least 13 digits", "new_message"],
    ];
    for (const [frame, code, why, command] of cases) {
      assert.deepEqual(parseCommand(frame), { kind: "refused", command, refusal: { code, why } }, JSON.stringify(frame).slice(0, 80));
    }
  });

  it("answers a refusal with the code first", () => {
    assert.deepEqual(errorReply({ code: "E_NOT_INTRODUCED", why: "send hello first" }),
      { status: "error", message: "E_NOT_INTRODUCED: send hello first" });
  });

  it("takes the command field over a status field beside it", () => {
    assert.equal(parseCommand({ command: "hello", peer_id: "p", status: "ok" }).kind, "command");
    assert.equal(refusalCode(parseCommand({ command: "nope", status: "ok" })), "E_UNKNOWN_COMMAND");
  });
});

describe("parseReply", () => {
  it("reads a hello reply with its history as sent, extra fields ignored", () => {
    const messages = { "1707243010934": { peer_id: "molic-peer3", message: "pokus" }, "12": "bad entries are judged later" };
    assert.deepEqual(parseReply({ status: "ok", messages, server: "x" }), { kind: "ok", messages, maxInFlight: undefined });
  });

  it("reads an ack, and a hello reply without messages, as ok with no history", () => {
    assert.deepEqual(parseReply({ status: "ok" }), { kind: "ok", messages: undefined, maxInFlight: undefined });
  });

  it("keeps a history that is not an object for the history check to name, as today", () => {
    assert.deepEqual(parseReply({ status: "ok", messages: [1, 2] }), { kind: "ok", messages: [1, 2], maxInFlight: undefined });
  });

  it("reads the pipelining offer of a hello reply only when it is a whole number from 1", () => {
    const offer = (value: unknown) => {
      const reply = parseReply({ status: "ok", messages: {}, max_in_flight: value });
      return reply.kind === "ok" ? reply.maxInFlight : "not ok";
    };
    assert.equal(offer(32), 32);
    assert.equal(offer(1), 1);
    for (const bad of [0, -3, 2.5, "32", null, true, Number.MAX_VALUE, [4]]) assert.equal(offer(bad), undefined, String(bad));
  });

  it("reads any other status, or none, as a refusal in the peer's words", () => {
    assert.deepEqual(parseReply({ status: "error", message: "E_BAD_PEER_ID: no" }), { kind: "refused", why: "E_BAD_PEER_ID: no" });
    assert.deepEqual(parseReply({ status: "OK" }), { kind: "refused", why: '{"status":"OK"}' });
    assert.deepEqual(parseReply({ messages: {} }), { kind: "refused", why: '{"messages":{}}' });
  });

  it("cuts a peer's long words short", () => {
    const long = parseReply({ status: "error", message: "x".repeat(5000) });
    assert.equal(long.kind === "refused" && long.why.length, MAX_REFUSAL_CHARS);
    const huge = parseReply({ status: "error", detail: "y".repeat(5000) });
    assert.equal(huge.kind === "refused" && huge.why.length, MAX_REFUSAL_CHARS);
    assert.equal(huge.kind === "refused" && huge.why.endsWith("…"), true);
  });

  it("never throws on a frame JSON cannot write", () => {
    const frame: Record<string, unknown> = { status: "error", big: 10n };
    assert.deepEqual(parseReply(frame), { kind: "refused", why: "a reply with fields status, big" });
  });

  it("tells a command apart from a reply", () => {
    assert.deepEqual(parseReply({ command: "new_message", status: "ok" }), { kind: "command" });
  });
});

describe("parseDatagram", () => {
  it("reads a hello broadcast and the answer to one (docs/protocol.md §1)", () => {
    assert.deepEqual(parseDatagram({ command: "hello", peer_id: "molic-peer1" }), { kind: "hello", peer_id: "molic-peer1" });
    assert.deepEqual(parseDatagram({ status: "ok", peer_id: "molic-peer2", extra: 1 }), { kind: "answer", peer_id: "molic-peer2" });
  });

  it("ignores frames without a usable peer_id, and anything else", () => {
    assert.equal(parseDatagram({ command: "hello", peer_id: "" }).kind, "ignored");
    assert.equal(parseDatagram({ command: "hello", peer_id: "x".repeat(MAX_PEER_ID_LENGTH + 1) }).kind, "ignored");
    assert.equal(parseDatagram({ status: "error", peer_id: "p" }).kind, "ignored");
    assert.equal(parseDatagram({ command: "new_message", peer_id: "p" }).kind, "ignored");
    assert.equal(parseDatagram({ command: "hello", status: "ok", peer_id: "p" }).kind, "hello");
  });
});

describe("unwrapHistoryBody (GET /messages)", () => {
  it('unwraps {"messages":{...}} (with or without a status) and leaves a bare history alone', () => {
    const history = { "1707243010934": { peer_id: "a", message: "x" } };
    assert.deepEqual(unwrapHistoryBody({ messages: history }), { history, wrapped: true });
    assert.deepEqual(unwrapHistoryBody({ status: "ok", messages: history }), { history, wrapped: true });
    assert.deepEqual(unwrapHistoryBody(history), { history, wrapped: false });
    assert.deepEqual(unwrapHistoryBody({}), { history: {}, wrapped: false });
    assert.equal(unwrapHistoryBody({ messages: history, other: 1 }).wrapped, false);
    assert.equal(unwrapHistoryBody({ messages: [] }).wrapped, false);
  });
});
