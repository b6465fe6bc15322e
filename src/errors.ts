/**
 * Every error code the program uses, each once, with what it means and the hint a user sees
 * (docs/architecture.md habit 11, after fastify's lib/errors.js). Codes are stable: peers, tests and users
 * match on them, so a code is never renamed, only added. docs/errors.md is generated from this
 * table (`node scripts/errors-doc.mjs`), and test/protocol/errors.test.ts fails when a code in
 * src/ is missing here or there.
 *
 * Wire replies put the code first: `{"status":"error","message":"E_NOT_INTRODUCED: send hello first"}`
 * (docs/architecture.md habit 3), so a peer need not parse prose.
 *
 * Hints may name facts of the moment as `{port}` (the protocol port), `{address}` (the peer's
 * address) and `{reason}` (the words that came with the error); fillHint() puts them in.
 */

/** Where a code shows up. */
export type ErrorKind =
  /** A reply to a frame that could not be decoded (docs/protocol.md "Framing"). */
  | "frame"
  /** A reply to a command that is refused (docs/protocol.md §2). */
  | "command"
  /** Why a TCP connection ended or a request on it failed: the peers view, the log. */
  | "connection"
  /** An HTTP API answer (docs/protocol.md §4). */
  | "http";

export interface ErrorInfo {
  readonly kind: ErrorKind;
  /** What happened, in one sentence. */
  readonly meaning: string;
  /** What the user should think or check, in plain words; may hold {port}, {address}, {reason}. */
  readonly hint: string;
}

const CLOSED_HINT =
  "closed our connection: it may have restarted or stopped, or it closes connections it does not like. We reconnect.";

const CATALOGUE = {
  // Frames that cannot be decoded (src/protocol/decoder.ts). Answered, and the connection stays
  // usable (docs/protocol.md "Framing"), except after E_FRAME_TOO_LARGE.
  E_INVALID_JSON: {
    kind: "frame",
    meaning: "A frame is not valid JSON.",
    hint: "sent something that is not JSON: a bug in its program, or not a chat peer at all.",
  },
  E_INVALID_UTF8: {
    kind: "frame",
    meaning: "A frame's bytes are not valid UTF-8.",
    hint: "sent text that is not UTF-8: its program must encode frames as UTF-8 (docs/protocol.md \"Framing\").",
  },
  E_NOT_OBJECT: {
    kind: "frame",
    meaning: "A frame is valid JSON but not an object (an array, a string, a number, ...).",
    hint: "sent JSON that is not an object: every frame must be one JSON object (docs/protocol.md \"Framing\").",
  },
  E_TOO_DEEP: {
    kind: "frame",
    meaning: "A frame nests objects and arrays deeper than 32 levels; it is refused before it is parsed.",
    hint: "sent a frame nested far deeper than any protocol frame: garbage, or an attempt to crash peers.",
  },
  E_TOO_MANY_FIELDS: {
    kind: "frame",
    meaning: "A frame has more object members than any protocol frame needs (20,000); it is refused before it is parsed.",
    hint: "sent a frame of a huge number of tiny fields: its work, not its size, is the problem (a history of millions of entries).",
  },
  E_FRAME_TOO_LARGE: {
    kind: "frame",
    meaning: "A frame is larger than we accept; the error is sent and the connection closed, since the stream cannot be resynchronised.",
    hint: "sent more in one frame than we accept ([TCP] max_frame_bytes, max_hello_reply_bytes): a huge history, or garbage.",
  },

  // Commands refused (src/peers/commands.ts, src/protocol/frames.ts). Answered; nothing is stored.
  E_NO_COMMAND: {
    kind: "command",
    meaning: "A frame's \"command\" is missing or not a string (and it has no \"status\", which would make it a status frame, never answered).",
    hint: "sent a frame without \"command\": a request must be {\"command\":\"hello\",...} or {\"command\":\"new_message\",...}.",
  },
  E_UNKNOWN_COMMAND: {
    kind: "command",
    meaning: "A frame names a command other than hello and new_message.",
    hint: "sent a command this protocol does not have: only hello and new_message exist (docs/protocol.md §2).",
  },
  E_BAD_PEER_ID: {
    kind: "command",
    meaning: "A hello's peer_id is missing, not a string, only whitespace, or over 256 characters.",
    hint: "said hello without a usable peer_id: it must be a non-empty string of at most 256 characters.",
  },
  E_NOT_INTRODUCED: {
    kind: "command",
    meaning: "A new_message came on a connection that has not said hello.",
    hint: "sent a message before its hello: a connection must start with {\"command\":\"hello\",...} (docs/protocol.md §2).",
  },
  E_BAD_MESSAGE_ID: {
    kind: "command",
    meaning: "A new_message's message_id is not a string (or integer) of at least 13 decimal digits.",
    hint: "sent a message_id that is not 13+ digits: it must be the clock in milliseconds, e.g. \"1707243010934\".",
  },
  E_BAD_MESSAGE: {
    kind: "command",
    meaning: "A new_message's message field is missing or not a string.",
    hint: "sent a new_message without its text: \"message\" must be a string.",
  },
  E_MESSAGE_TOO_LARGE: {
    kind: "command",
    meaning: "A message's text is longer than [HISTORY] max_message_bytes; it is not stored (TCP new_message and GET /send).",
    hint: "sent a message longer than we keep ([HISTORY] max_message_bytes): send it shorter, or raise the limit.",
  },
  E_ID_FROM_FUTURE: {
    kind: "command",
    meaning: "A message id is further ahead of our clock than [HISTORY] max_id_ahead; it is not stored, nor taken from a history.",
    hint: "sends ids from the future: its clock counts microseconds or nanoseconds, or is set ahead. Ids are milliseconds since 1970.",
  },
  E_TOO_OLD: {
    kind: "command",
    meaning: "The history is full and this message would be the one to go: its host and its author hold the most messages, and it is older than all of the author's.",
    hint: "sent a message older than all of its own that we keep: its clock may be behind, or it resends old messages.",
  },
  E_ID_CLASH: {
    kind: "command",
    meaning: "A message's id already holds another text here; the first copy stays, this one is not stored, nor taken from a history. (The same text under another author is the same message, relayed.)",
    hint: "sent a message under an id another message already has here: two clocks stamped the same millisecond. One of the two is lost wherever the other came first.",
  },
  E_RATE_LIMITED: {
    kind: "command",
    meaning: "One peer_id or one address sent more than [HISTORY] peer_burst messages at once or peer_rate per second; not stored.",
    hint: "sends messages faster than a person types: a flood, a loop, or a bot that should slow down.",
  },
  E_OWN_PEER_ID: {
    kind: "command",
    meaning: "A hello carries this peer's own peer_id; the connection stays unintroduced.",
    hint: "introduced itself with our peer_id: another program uses our name, or forges it. Its messages are not stored as ours.",
  },
  E_BAD_REQUEST: {
    kind: "http",
    meaning: "An HTTP request whose target is not a path (such as `//`); answered 400.",
    hint: "a client sent a request line that is not a path: a broken tool, or junk at the port.",
  },
  E_NOT_KEPT: {
    kind: "http",
    meaning: "Our own message was not kept in the history, so /send does not answer ok.",
    hint: "a message of ours was not kept: a bug in p2pchat; please report it.",
  },
  E_INTERNAL: {
    kind: "command",
    meaning: "Handling a frame failed with a bug on our side; the frame is answered and the connection goes on.",
    hint: "a frame hit a bug in p2pchat: the log names it (first one per connection); please report it.",
  },

  // Connections: close reasons and failed requests (src/peers/*). Shown in the peers view.
  E_TOO_MANY_CONNECTIONS: {
    kind: "connection",
    meaning: "An incoming connection is refused because [TCP] max_connections or max_connections_per_address are reached.",
    hint: "opened more connections than we take ([TCP] max_connections, max_connections_per_address): it may be leaking connections.",
  },
  E_INTRO_TIMEOUT: {
    kind: "connection",
    meaning: "An incoming connection sent no hello within [TCP] intro_timeout and is closed.",
    hint: "connected to us but never said hello: a port scanner, or a program that is not a chat peer.",
  },
  E_CONNECT_TIMEOUT: {
    kind: "connection",
    meaning: "Our TCP connect to a peer got no answer in time.",
    hint: "no answer to our TCP connect on {port}: a firewall dropping packets, or the host is gone.",
  },
  E_HELLO_TIMEOUT: {
    kind: "connection",
    meaning: "A peer accepted our connection but did not answer our hello in time.",
    hint: "accepts TCP on {port} but never answers our hello: its program may be stuck, or it waits for something our hello does not send.",
  },
  E_HELLO_REFUSED: {
    kind: "connection",
    meaning: "A peer answered our hello with something other than {\"status\":\"ok\",...}.",
    hint: "answered our hello with an error ({reason}): its program may speak the protocol differently.",
  },
  E_ACK_TIMEOUT: {
    kind: "connection",
    meaning: "A peer did not ack one of our new_message frames in time; the connection is closed and the message sent again later.",
    hint: "stopped acking our messages in time: its program may be stuck or overloaded. We reconnect and send them again.",
  },
  E_CLOSED_BY_PEER: {
    kind: "connection",
    meaning: "The peer ended the connection (it sent FIN).",
    hint: CLOSED_HINT,
  },
  E_CLOSED: {
    kind: "connection",
    meaning: "The connection closed without the peer ending it first (after a reset or a socket error).",
    hint: CLOSED_HINT,
  },
  E_WRITE_BUFFER_FULL: {
    kind: "connection",
    meaning: "The peer does not read what we send: more than [TCP] max_write_buffer_bytes waits to be sent, so the connection is closed.",
    hint: "does not read what we send: its program may be stuck.",
  },
  E_SOCKET: {
    kind: "connection",
    meaning: "A socket error came without an operating-system code.",
    hint: "our connection failed: {reason}.",
  },
  E_SHUTDOWN: {
    kind: "connection",
    meaning: "We closed the connection because the daemon is stopping.",
    hint: "p2pchat is shutting down; connections come back when it starts again.",
  },
  E_PEER_ID_CLASH: {
    kind: "connection",
    meaning: "A second host announces a peer_id that is proven to be elsewhere; we stay where it was (counted, shown as a clash).",
    hint: "two hosts use one peer_id: two students kept the same default name, or one announces a classmate's. We stay with {address}.",
  },
  E_TABLE_FULL: {
    kind: "connection",
    meaning: "A new peer was not taken into the peer table: it is full ([DISCOVERY] max_peers), or its address holds 4 ids already.",
    hint: "the peer table is full, likely of made-up peer_ids from a flood; peers that completed a hello are never pushed out.",
  },
  E_QUEUE_FULL: {
    kind: "connection",
    meaning: "Our oldest unacked message for a peer was dropped: its queue reached [TCP] max_queued_messages.",
    hint: "is far behind or unreachable: our oldest messages for it were dropped; it may still get them in a hello reply.",
  },
  E_NO_ACK: {
    kind: "connection",
    meaning: "A message of ours was dropped for a peer after [TCP] max_send_attempts connections without an ack.",
    hint: "never acks our messages: its program may not answer new_message (docs/protocol.md §2).",
  },
  E_REFUSED_BY_PEER: {
    kind: "connection",
    meaning: "A peer answered a message of ours with an error; it is not sent again.",
    hint: "refused one of our messages: {reason}",
  },
  E_BAD_HISTORY_ENTRY: {
    kind: "connection",
    meaning: "Entries of a received history were skipped: unusable, from the future, or beyond what one reply may bring.",
    hint: "sends a history with entries we cannot use (short ids, wrong types, ids from the future).",
  },
  E_OTHER: {
    kind: "connection",
    meaning: "A peer's error reply without a code of ours at its start; counted under this name.",
    hint: "answered with an error in its own words: {reason}",
  },
  E_EVICTED: {
    kind: "connection",
    meaning: "A silent peer was dropped from a full peer table to make room for a new one; its connection is closed.",
    hint: "was forgotten to make room for another peer after a long silence; it comes back when it announces itself.",
  },
  E_NOT_READY: {
    kind: "connection",
    meaning: "A message was to be sent on a connection whose hello is not answered yet; it stays queued.",
    hint: "is still being connected to: queued messages go out once its hello is answered.",
  },
  E_BUSY: {
    kind: "connection",
    meaning: "A message was to be sent while the ack of the previous one is awaited (one frame at a time); it stays queued.",
    hint: "has not acked our previous message yet: the next one waits for it (docs/protocol.md \"What real peers do\").",
  },

  // HTTP API (src/http/*).
  E_FORBIDDEN_HOST: {
    kind: "http",
    meaning: "An HTTP request named a Host other than an IP address, localhost or this machine's name (DNS rebinding defence).",
    hint: "open the web page by this machine's IP address or host name, e.g. http://192.168.1.20:8000/.",
  },
  E_CROSS_SITE: {
    kind: "http",
    meaning: "An HTTP request came from another site's page (Sec-Fetch-Site or Origin say so) and is refused.",
    hint: "another web site's page tried to use this chat's API; use the chat's own page, or curl.",
  },
} as const satisfies Record<`E_${string}`, ErrorInfo>;

export type ErrorCode = keyof typeof CATALOGUE;

/** Names some codes as a type, and fails to compile if one of them is not in the catalogue. */
export type ErrorCodeSubset<C extends ErrorCode> = C;

/** The catalogue, keyed by code: `ERRORS.E_NOT_INTRODUCED.hint`. */
export const ERRORS: { readonly [C in ErrorCode]: ErrorInfo } = CATALOGUE;

/** Every code, in catalogue order (frames, commands, connections, HTTP). */
export const ERROR_CODES = Object.keys(CATALOGUE) as ErrorCode[];

/**
 * Typed constants to write codes with: `ErrorCodes.E_NOT_INTRODUCED` is the string
 * "E_NOT_INTRODUCED", typed as that literal, and a misspelling fails to compile.
 */
export const ErrorCodes = Object.freeze(Object.fromEntries(ERROR_CODES.map((code) => [code, code]))) as {
  readonly [C in ErrorCode]: C;
};

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(CATALOGUE, code);
}

/** Facts a hint may name. */
export interface HintFacts {
  port?: number | string;
  address?: string;
  reason?: string;
}

/** A code's hint with {port}, {address} and {reason} filled in (left as written where not given). */
export function fillHint(code: ErrorCode, facts: HintFacts = {}): string {
  return CATALOGUE[code].hint.replace(/\{(port|address|reason)\}/g, (placeholder, name: keyof HintFacts) => {
    const value = facts[name];
    return value === undefined ? placeholder : String(value);
  });
}
