import type { ChatMessage } from "../history/history.js";
import type { StoreMessage } from "../history/intake.js";
import {
  errorReply,
  parseCommand,
  type Command,
  type CommandName,
  type Frame,
  type HelloCommand,
  type NewMessageCommand,
  type Refusal,
  helloReply,
} from "../protocol/frames.js";
import { ACK_OK } from "../protocol/encoder.js";
import { isPeerId } from "../protocol/peer-id.js";
import { isOverBytes } from "../protocol/message-size.js";

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
  introduce(peerId: string): Refusal | undefined;
  /** The history our hello reply carries, oldest first (within the reply budget). */
  snapshot(): Record<string, ChatMessage>;
  /** Hands a received message to the history intake; its verdict is what the ack says. */
  store: StoreMessage;
  /**
   * Whether a new_message may be stored under the author its `peer_id` field names rather than
   * under the connection's peer_id (a relayed message keeps its author: peers/relay.ts). Absent:
   * never, as docs/protocol.md §2 says.
   */
  mayBeAuthor?(claimed: string): boolean;
}

export type Reply = Record<string, unknown>;
/** What parseCommand made of a frame meant as command C: the command, or why it is refused. */
type Parsed<C extends Command> = { ok: true; command: C } | { ok: false; refusal: Refusal };
type Handler<C extends Command> = (parsed: Parsed<C>, ctx: CommandContext) => Reply;

// The peer_id rule moved to the protocol module; re-exported for code that imports it from here.
export { MAX_PEER_ID_LENGTH } from "../protocol/peer-id.js";

/** Error replies start with a stable code, so peers and tests need not parse prose. */
const refuse = (refusal: Refusal): Reply => ({ ...errorReply(refusal) });

function hello(parsed: Parsed<HelloCommand>, ctx: CommandContext): Reply {
  if (!parsed.ok) return refuse(parsed.refusal);
  const refusal = ctx.introduce(parsed.command.peer_id);
  if (refusal) return refuse(refusal);
  // docs/protocol.md §2: the answer carries our history; and, for another p2pchat, how many
  // new_message frames we take before their acks (docs/protocol.md "Pipelining": frames are
  // answered in order, so acks need no ids). Others ignore the extra field, as they must.
  return helloReply(ctx.snapshot());
}

function newMessage(parsed: Parsed<NewMessageCommand>, ctx: CommandContext): Reply {
  // docs/protocol.md §2: a new_message before a hello is refused, malformed or not; we store under
  // the hello's peer_id.
  const sender = ctx.remotePeerId;
  if (sender === undefined) return refuse({ code: "E_NOT_INTRODUCED", why: "send hello first" });
  if (!parsed.ok) return refuse(parsed.refusal);
  // The id is canonical (src/protocol/message-id.ts): 0N and N are one message.
  const { message_id: id, message } = parsed.command;
  // Our own limit ([HISTORY] max_message_bytes), not a protocol rule: checked here, not in parseCommand.
  if (isOverBytes(message, ctx.maxMessageBytes)) {
    return refuse({ code: "E_MESSAGE_TOO_LARGE", why: `message over ${ctx.maxMessageBytes} bytes, not stored` });
  }
  // docs/protocol.md §2 stores under the hello's peer_id; a relay's new_message names its author in the
  // peer_id field, and the context decides whether that claim is believed (PeerTable.mayBeAuthorFrom).
  const claimed = parsed.command.peer_id;
  const author = claimed !== undefined && claimed !== sender && isPeerId(claimed) && ctx.mayBeAuthor?.(claimed) === true
    ? claimed : sender;
  const verdict = ctx.store(id, { peer_id: author, message }, { address: ctx.remoteAddress });
  return verdict.ok ? ACK_OK : refuse({ code: verdict.code, why: verdict.message });
}

const HANDLERS: { [N in CommandName]: Handler<Extract<Command, { command: N }>> } = {
  hello,
  new_message: newMessage,
};

/**
 * Runs one command frame and returns the reply to send. Status frames are not commands and get
 * no reply: answering them with an error starts ping-pong between two peers (docs/protocol.md
 * "What real peers do"), so the caller decides what they mean; here they return undefined.
 */
export function handleCommand(frame: Frame, ctx: CommandContext): Reply | undefined {
  const parsed = parseCommand(frame);
  switch (parsed.kind) {
    case "status":
      return undefined;
    case "command": {
      const { command } = parsed;
      return command.command === "hello"
        ? HANDLERS.hello({ ok: true, command }, ctx)
        : HANDLERS.new_message({ ok: true, command }, ctx);
    }
    case "refused": {
      // A refused hello or new_message still goes to its handler: a new_message before hello is
      // refused as E_NOT_INTRODUCED however malformed it is (docs/protocol.md §2).
      const failed = { ok: false as const, refusal: parsed.refusal };
      if (parsed.command === "hello") return HANDLERS.hello(failed, ctx);
      if (parsed.command === "new_message") return HANDLERS.new_message(failed, ctx);
      return refuse(parsed.refusal);
    }
  }
}
