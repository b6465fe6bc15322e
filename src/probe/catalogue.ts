// Every check the probe makes, in report order. Only the "protocol" section decides the exit code:
// those are the rules every peer in class relies on. "tolerance" is input docs/protocol.md says real
// peers send and a good peer accepts; "conventions" is how the target itself writes, which other
// peers must tolerate anyway (see sends-line-terminated).

export type Section = "protocol" | "tolerance" | "conventions";

export interface CheckDefinition {
  readonly id: string;
  readonly section: Section;
  /** What passing means, in one line. */
  readonly title: string;
  /** Where the rule comes from in docs/protocol.md. */
  readonly ref: string;
  /** Run only with --stress (the heavy cases); otherwise reported as not applicable. */
  readonly stress?: boolean;
}

export const CHECKS = [
  // --- protocol: decides the exit code ---------------------------------------------------------
  { id: "udp-hello", section: "protocol", ref: "§1",
    title: 'a UDP hello is answered {"status":"ok","peer_id":...} to its source' },
  { id: "tcp-hello", section: "protocol", ref: "§2",
    title: 'a TCP hello is answered {"status":"ok","messages":{...}}' },
  { id: "history-shape", section: "protocol", ref: "§2, Identity",
    title: "the history maps ids of 13+ digits to {peer_id, message}" },
  { id: "new-message-ack", section: "protocol", ref: "§2",
    title: 'a new_message after hello is acked {"status":"ok"}' },
  { id: "new-message-stored", section: "protocol", ref: "§2",
    title: "the message is stored, under the peer_id of the connection's hello" },
  { id: "before-hello-refused", section: "protocol", ref: "§2",
    title: "a new_message before hello is refused with an error and not stored" },
  { id: "error-unknown-command", section: "protocol", ref: "§2",
    title: 'an unknown command is answered {"status":"error",...}' },
  { id: "error-bad-id", section: "protocol", ref: "§2, Identity",
    title: "a new_message whose id is not 13+ digits gets an error and is not stored" },
  { id: "error-no-message", section: "protocol", ref: "§2",
    title: "a new_message without a message gets an error and is not stored" },
  { id: "error-not-json", section: "protocol", ref: "Framing",
    title: "a line that is not JSON gets an error" },
  { id: "error-not-object", section: "protocol", ref: "Framing",
    title: "JSON that is not an object gets an error" },
  { id: "usable-after-errors", section: "protocol", ref: "Framing",
    title: "the connection stays usable after error replies" },
  { id: "connects-back", section: "protocol", ref: "§2",
    title: "it opens a connection back to the probe and says hello" },
  { id: "history-limit", section: "protocol", ref: "§3", stress: true,
    title: "it keeps the newest 100 messages and no more" },
  { id: "http-messages", section: "protocol", ref: "§4",
    title: "GET /messages answers the history, oldest first" },
  { id: "http-send", section: "protocol", ref: "§4",
    title: 'GET /send?message=... answers {"status":"ok"} and stores the message as its own' },
  { id: "sends-to-peers", section: "protocol", ref: "§2, §4",
    title: "a message from /send reaches the probe as a new_message" },

  // --- tolerance: input a good peer accepts (docs/protocol.md "Tolerate") ----------------------------
  { id: "accepts-crlf", section: "tolerance", ref: "Framing",
    title: "a frame ending with CR LF" },
  { id: "accepts-no-terminator", section: "tolerance", ref: "Framing, What real peers do",
    title: "a hello without any line end is answered at once" },
  { id: "accepts-split", section: "tolerance", ref: "Framing",
    title: "a frame split over several writes, one cut inside a UTF-8 character" },
  { id: "accepts-glued", section: "tolerance", ref: "Framing",
    title: "two frames in one write, both answered" },
  { id: "accepts-pretty", section: "tolerance", ref: "Framing",
    title: "pretty-printed JSON over several lines" },
  { id: "accepts-numeric-id", section: "tolerance", ref: "Framing, What real peers do",
    title: "a message_id sent as a JSON number is taken (and kept as a string)" },
  { id: "ignores-status-frames", section: "tolerance", ref: "What real peers do",
    title: "an unsolicited status frame is not answered (no ping-pong)" },
  { id: "accepts-byte-per-write", section: "tolerance", ref: "Framing", stress: true,
    title: "a hello written one byte per write" },
  { id: "accepts-burst", section: "tolerance", ref: "Framing", stress: true,
    title: "20 new_messages glued into one write, all taken" },
  { id: "accepts-large-message", section: "tolerance", ref: "§2", stress: true,
    title: "a 256 KiB message is stored, or refused with an error reply on a connection that goes on" },

  // --- conventions: how the target writes ------------------------------------------------------
  { id: "sends-line-terminated", section: "conventions", ref: "Framing",
    title: "every TCP frame it sends ends with \\n (or CR LF)" },
  { id: "sends-compact", section: "conventions", ref: "Framing",
    title: "every frame it sends is compact JSON on one line" },
  { id: "udp-from-port", section: "conventions", ref: "What real peers do",
    title: "its UDP answer comes from the protocol port" },
  { id: "http-bare-history", section: "conventions", ref: "§4, What real peers do",
    title: 'GET /messages is the bare history object, not {"messages":{...}}' },
  { id: "new-message-peer-id", section: "conventions", ref: "What real peers do",
    title: "its new_message carries its own peer_id" },
  { id: "ids-milliseconds", section: "conventions", ref: "Identity, What real peers do: clocks are wrong",
    title: "the ids of its messages are milliseconds since 1970, near the probe's clock" },
  { id: "hello-reply-size", section: "conventions", ref: "What real peers do: frames have size limits",
    title: "its hello reply is small enough for common peers to read (at most 4 MiB)" },
] as const satisfies readonly CheckDefinition[];

export type CheckId = (typeof CHECKS)[number]["id"];
