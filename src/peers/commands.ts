import type { ChatMessage } from "../history/history.js";
import type { StoreMessage } from "../history/intake.js";
import { normalizeMessageId } from "../history/message-id.js";

/**
 * What a command handler may see and do on the connection the command arrived on. Handlers touch
 * nothing else: what they learn goes out through these functions, to whoever the connection's
 * owner wired them to (the history intake, the peer table).
 */
export interface CommandContext {
  /** The peer_id the other side introduced itself with (its hello), if it has. */
  readonly remotePeerId: string | undefined;
  /** Longest message text accepted, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Where the other side connects from: the host that delivers what it sends. */
  readonly remoteAddress: string;
  /** Records the other side's hello on this connection, or says why it is refused. */
  introduce(peerId: string): { code: string; message: string } | undefined;
  /** Our whole history, oldest first, as the hello reply carries it. */
  snapshot(): Record<string, ChatMessage>;
  /** Hands a received message to the history intake; its verdict is what the ack says. */
  store: StoreMessage;
}

export type Reply = Record<string, unknown>;
type Handler = (frame: Record<string, unknown>, ctx: CommandContext) => Reply;

export const MAX_PEER_ID_LENGTH = 256;

const ok = (): Reply => ({ status: "ok" });
/** Error replies start with a stable code, so peers and tests need not parse prose. */
const error = (code: string, why: string): Reply => ({ status: "error", message: `${code}: ${why}` });

function hello(frame: Record<string, unknown>, ctx: CommandContext): Reply {
  const peerId = frame.peer_id;
  if (typeof peerId !== "string" || peerId.trim() === "" || peerId.length > MAX_PEER_ID_LENGTH) {
    return error("E_BAD_PEER_ID", `hello needs a peer_id: a non-empty string of at most ${MAX_PEER_ID_LENGTH} characters`);
  }
  const refusal = ctx.introduce(peerId);
  if (refusal) return error(refusal.code, refusal.message);
  // PROTOCOL.md §2: the answer carries our whole history.
  return { status: "ok", messages: ctx.snapshot() };
}

function newMessage(frame: Record<string, unknown>, ctx: CommandContext): Reply {
  // PROTOCOL.md §2: a new_message before a hello is refused; we store under the hello's peer_id.
  const sender = ctx.remotePeerId;
  if (sender === undefined) return error("E_NOT_INTRODUCED", "send hello first");
  const id = normalizeMessageId(frame.message_id);
  if (id === undefined) return error("E_BAD_MESSAGE_ID", "message_id must be a string of at least 13 digits");
  if (typeof frame.message !== "string") return error("E_BAD_MESSAGE", "message must be a string");
  if (Buffer.byteLength(frame.message) > ctx.maxMessageBytes) {
    return error("E_MESSAGE_TOO_LARGE", `message over ${ctx.maxMessageBytes} bytes, not stored`);
  }
  const verdict = ctx.store(id, { peer_id: sender, message: frame.message }, { address: ctx.remoteAddress });
  return verdict.ok ? ok() : error(verdict.code, verdict.message);
}

const HANDLERS: Record<string, Handler> = {
  hello,
  new_message: newMessage,
};

/**
 * Runs one command frame and returns the reply to send. Status frames are not commands and get
 * no reply: answering them with an error starts ping-pong between two peers (PROTOCOL.md
 * "What real peers do"), so the caller decides what they mean; here they return undefined.
 */
export function handleCommand(frame: Record<string, unknown>, ctx: CommandContext): Reply | undefined {
  const command = frame.command;
  if (command === undefined && "status" in frame) return undefined;
  if (typeof command !== "string") return error("E_NO_COMMAND", "missing command");
  const handler = Object.hasOwn(HANDLERS, command) ? HANDLERS[command] : undefined;
  if (!handler) return error("E_UNKNOWN_COMMAND", `unknown command ${JSON.stringify(command.slice(0, 64))}`);
  return handler(frame, ctx);
}
