/**
 * The frames of the protocol as types, and the rules that turn a decoded JSON object (from
 * decoder.ts) into one of them. Pure: no sockets, no state of a connection. What depends on the
 * connection (has it said hello?) or on our settings (how long a message may be) is left to the
 * caller, so these rules are the same for the daemon, the probe and any tool.
 *
 * Tolerance (docs/protocol.md "Framing" and "What real peers do"): unknown extra fields are ignored,
 * a message_id may be a JSON number, a hello reply may lack "messages", and a status frame is
 * never answered.
 */
import type { ErrorCode } from "../errors.js";
import { normalizeMessageId } from "./message-id.js";
import { isPeerId, PEER_ID_RULE } from "./peer-id.js";

/** A decoded frame: one JSON object, fields not yet checked. */
export type Frame = Record<string, unknown>;

/** `{"command":"hello","peer_id":...}`: on TCP (§2) and as a UDP broadcast (§1). */
export interface HelloCommand {
  command: "hello";
  peer_id: string;
}

/**
 * `{"command":"new_message","message_id":...,"message":...}` (§2). `message_id` is the canonical
 * id (message-id.ts), also when it came as a number. `peer_id` is the extra field careful peers
 * add ("What real peers do"); a claim only: the receiver stores under the connection's hello.
 */
export interface NewMessageCommand {
  command: "new_message";
  message_id: string;
  message: string;
  peer_id?: string;
}

export type Command = HelloCommand | NewMessageCommand;
export type CommandName = Command["command"];

/** One entry of a history as the protocol carries it (§2, §3). */
export interface WireChatMessage {
  peer_id: string;
  message: string;
}

/** The answer to a TCP hello: our whole history, oldest first (§2, §4). */
export interface HelloReply {
  status: "ok";
  messages: Record<string, WireChatMessage>;
}

/** The ack of a new_message (§2). */
export interface AckReply {
  status: "ok";
}

/** `{"status":"error","message":"<CODE>: <why>"}`: how every refusal is answered ("Framing", §2). */
export interface ErrorReply {
  status: "error";
  message: string;
}

export type StatusReply = HelloReply | AckReply | ErrorReply;

/** The answer to a UDP hello, unicast to its source (§1). */
export interface UdpAnswer {
  status: "ok";
  peer_id: string;
}

/** Why a frame is refused: the stable code and a few words for the `{"status":"error"}` reply. */
export interface Refusal {
  code: ErrorCode;
  why: string;
}

export type ParsedCommand =
  | { kind: "command"; command: Command }
  /** `command` names what the frame was meant as, when it named a command we know. */
  | { kind: "refused"; command: CommandName | undefined; refusal: Refusal }
  /**
   * A status frame (a reply, or a history sent unasked): not a command, and never answered:
   * answering it with an error starts ping-pong between two peers ("What real peers do").
   */
  | { kind: "status" };

/** The error reply for a refusal: the code first, so peers and tests need not parse prose. */
export function errorReply(refusal: Refusal): ErrorReply {
  return { status: "error", message: `${refusal.code}: ${refusal.why}` };
}

/** Reads a frame received on TCP as a command. */
export function parseCommand(frame: Frame): ParsedCommand {
  const name = frame.command;
  if (name === undefined && "status" in frame) return { kind: "status" };
  if (typeof name !== "string") return refused(undefined, "E_NO_COMMAND", "missing command");
  switch (name) {
    case "hello":
      return parseHello(frame);
    case "new_message":
      return parseNewMessage(frame);
    default:
      return refused(undefined, "E_UNKNOWN_COMMAND", `unknown command ${JSON.stringify(name.slice(0, 64))}`);
  }
}

function parseHello(frame: Frame): ParsedCommand {
  const peerId = frame.peer_id;
  if (!isPeerId(peerId)) return refused("hello", "E_BAD_PEER_ID", `hello needs a peer_id: ${PEER_ID_RULE}`);
  return { kind: "command", command: { command: "hello", peer_id: peerId } };
}

function parseNewMessage(frame: Frame): ParsedCommand {
  // §2: "an id that is not at least 13 digits" is malformed; a JSON number is tolerated.
  const id = normalizeMessageId(frame.message_id);
  if (id === undefined) return refused("new_message", "E_BAD_MESSAGE_ID", "message_id must be a string of at least 13 digits");
  if (typeof frame.message !== "string") return refused("new_message", "E_BAD_MESSAGE", "message must be a string");
  const command: NewMessageCommand = { command: "new_message", message_id: id, message: frame.message };
  if (typeof frame.peer_id === "string") command.peer_id = frame.peer_id;
  return { kind: "command", command };
}

function refused(command: CommandName | undefined, code: ErrorCode, why: string): ParsedCommand {
  return { kind: "refused", command, refusal: { code, why } };
}

export type ParsedReply =
  /**
   * `{"status":"ok",...}`: an ack, or a hello reply. `messages` is the history a hello reply
   * carries, exactly as sent (undefined for an ack, or a hello reply without one: an empty
   * history). Its entries are judged one by one (checkHistoryPayload), because peers send
   * histories with some bad entries and the good ones still count ("What real peers do").
   * `maxInFlight` is what a hello reply offers in `max_in_flight` (docs/protocol.md
   * "Pipelining"), if it is a whole number from 1.
   */
  | { kind: "ok"; messages: unknown; maxInFlight: number | undefined }
  /** Any other status, or none: the peer said no. `why` is its words, cut short for a log line. */
  | { kind: "refused"; why: string }
  /** A command, not a reply: some peers send commands on the connection we opened, too. */
  | { kind: "command" };

/** Longest refusal reason kept from a peer's reply. */
export const MAX_REFUSAL_CHARS = 200;

/**
 * new_message frames a p2pchat takes on one connection before their acks, offered in its hello
 * reply as `max_in_flight` (docs/protocol.md "Pipelining"); also the most it sends so.
 */
export const MAX_IN_FLIGHT = 32;

/** Our answer to a hello (docs/protocol.md §2): our history, and the pipelining offer. */
export function helloReply(messages: Record<string, { peer_id: string; message: string }>): Record<string, unknown> {
  return { status: "ok", messages, max_in_flight: MAX_IN_FLIGHT };
}

/** What parseReply says of a plain ack (nine for each message sent to a room of ten): one answer for all. */
const PLAIN_ACK: ParsedReply = Object.freeze({ kind: "ok" as const, messages: undefined, maxInFlight: undefined });

/** Reads a frame received on a connection we opened, where replies come: the hello reply, acks. */
export function parseReply(frame: Frame): ParsedReply {
  if (frame.command !== undefined) return { kind: "command" };
  if (frame.status === "ok") {
    if (frame.messages === undefined && frame.max_in_flight === undefined) return PLAIN_ACK;
    const offered = frame.max_in_flight;
    const maxInFlight = typeof offered === "number" && Number.isSafeInteger(offered) && offered >= 1 ? offered : undefined;
    return { kind: "ok", messages: frame.messages, maxInFlight };
  }
  return { kind: "refused", why: refusalWords(frame) };
}

/**
 * The words of a peer's refusal: its `message` if it sent one, else the frame itself, cut short.
 * The frame is whatever the peer chose to send, so this must neither throw nor copy a huge value.
 */
export function refusalWords(frame: Frame): string {
  if (typeof frame.message === "string") return frame.message.slice(0, MAX_REFUSAL_CHARS);
  let text: string;
  try {
    text = JSON.stringify(frame);
  } catch {
    text = `a reply with fields ${Object.keys(frame).slice(0, 8).join(", ")}`;
  }
  return text.length > MAX_REFUSAL_CHARS ? text.slice(0, MAX_REFUSAL_CHARS - 1) + "…" : text;
}

export type ParsedDatagram =
  | { kind: "hello"; peer_id: string }
  | { kind: "answer"; peer_id: string }
  /** Ignored, never answered: garbage over UDP is not worth a reply ("What real peers do"). */
  | { kind: "ignored"; why: string };

/** Reads a UDP frame (§1): a hello broadcast, or the answer to ours. */
export function parseDatagram(frame: Frame): ParsedDatagram {
  if (!isPeerId(frame.peer_id)) return { kind: "ignored", why: "no usable peer_id" };
  if (frame.command === "hello") return { kind: "hello", peer_id: frame.peer_id };
  if (frame.command === undefined && frame.status === "ok") return { kind: "answer", peer_id: frame.peer_id };
  return { kind: "ignored", why: "neither hello nor answer" };
}

/**
 * The history in a GET /messages answer (§4): the bare object, or `{"messages":{...}}` (maybe
 * with a "status" beside it, as in the TCP hello reply) that some peers answer with ("What real
 * peers do"), unwrapped. `wrapped` says which it was.
 */
export function unwrapHistoryBody(body: unknown): { history: unknown; wrapped: boolean } {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const inner = (body as Frame).messages;
    const onlyWrapper = Object.keys(body).every((key) => key === "messages" || key === "status");
    if (onlyWrapper && typeof inner === "object" && inner !== null && !Array.isArray(inner)) {
      return { history: inner, wrapped: true };
    }
  }
  return { history: body, wrapped: false };
}
