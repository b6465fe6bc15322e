// What the steps of one probe run share: the target, the probe's sockets, the checks, and what
// earlier steps learnt (the target's peer_id, whether its acks and HTTP API work).
import type { ChatMessage } from "../history/history.js";
import { encodeFrame } from "../protocol/encoder.js";
import { unwrapHistoryBody } from "../protocol/frames.js";
import { MessageIdClock } from "../protocol/message-id.js";
import type { BackChannel } from "./back-channel.js";
import type { CheckId } from "./catalogue.js";
import { checkHistory } from "./history-shape.js";
import { httpGet, parseJson } from "./http-client.js";
import { CheckBook, type Check } from "./report.js";
import { accepted, TargetConnection, type Reply } from "./target-connection.js";
import type { UdpSide } from "./udp-side.js";

export interface ProbeOptions {
  /** The target as given on the command line (address or host name). */
  host: string;
  /** The protocol port: the target's UDP and TCP port, and the probe's own. */
  port: number;
  /** Base URL of the target's HTTP API. */
  http: URL;
  /** Address of the probe's own sockets. */
  bindAddress: string;
  /** Longest single wait (for an answer, an ack, a connection). */
  timeoutMs: number;
  /** Also run the heavy checks. */
  stress: boolean;
  /** The probe's peer_id towards the target. */
  peerId: string;
}

/** Connections to the target open at once; see connect(). */
const MAX_OPEN_CONNECTIONS = 4;

/** A history as fetched for a check, and where from. */
export interface FetchedHistory {
  via: string;
  /** The entries that follow the protocol. */
  entries: Map<string, ChatMessage>;
  /** All entries, also those that do not. */
  count: number;
  /** The history object as received. */
  raw: Record<string, unknown>;
  /** Adds what was sent and received for it to a check's evidence. */
  record(check: Check): void;
}

/** A message the target was told and must not have stored. */
interface MustBeAbsent {
  check: Check;
  id?: string;
  text?: string;
  detail: string;
}

export class ProbeContext {
  readonly book = new CheckBook();
  readonly clock = new MessageIdClock();
  readonly connections: TargetConnection[] = [];
  /** The target's peer_id, from its UDP answer or its hello to the probe. */
  targetPeerId: string | undefined;
  /** When the probe first said hello (UDP or TCP): the target may connect back from then on. */
  firstHelloAt: number | undefined;
  /** Why the target cannot be probed over TCP at all. */
  unreachable: string | undefined;
  /** The first hello was answered {"status":"ok",...}: the checks that build on a session can run. */
  helloAnswered = false;
  /** Learnt from new-message-ack: false once an ack did not come, so later waits for acks are short. */
  acksWork: boolean | undefined;
  /** Whether GET /messages answered at all; `why` not. */
  http: { reachable: boolean; why?: string } | undefined;
  /** Every `messages` object of a hello reply, for history-shape and history-limit. */
  readonly helloHistories: Array<{ label: string; messages: unknown; bytes: () => Buffer }> = [];
  /** The largest history seen anywhere, in entries. */
  largestHistory = 0;
  readonly mustBeAbsent: MustBeAbsent[] = [];

  constructor(
    readonly options: ProbeOptions,
    /** The target's IPv4 address. */
    readonly address: string,
    readonly udp: UdpSide,
    readonly back: BackChannel | undefined,
    /** Why the probe cannot listen on the protocol port, if it cannot. */
    readonly backUnavailable: string | undefined,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  check(id: CheckId): Check {
    return this.book.get(id);
  }

  helloFrame(): Buffer {
    return encodeFrame({ command: "hello", peer_id: this.options.peerId });
  }

  /** A new_message as careful peers send it: with our peer_id too (docs/protocol.md "What real peers do"). */
  newMessage(id: string, text: string): Buffer {
    return encodeFrame({ command: "new_message", message_id: id, message: text, peer_id: this.options.peerId });
  }

  /** Wait for an ack: short once acks are known not to come, so a peer without acks costs one timeout. */
  get ackWaitMs(): number {
    return this.acksWork === false ? Math.min(this.timeoutMs, 300) : this.timeoutMs;
  }

  saidHello(): void {
    this.firstHelloAt ??= Date.now();
  }

  /**
   * Opens a new connection to the target (tcp#1, tcp#2, ...); rejects with a one-line reason.
   * Peers may refuse many connections from one address (p2pchat takes 8), so the probe keeps a
   * few open at most: the oldest, whose checks are long done, is closed first.
   */
  async connect(): Promise<TargetConnection> {
    const open = this.connections.filter((c) => c.isOpen);
    while (open.length >= MAX_OPEN_CONNECTIONS) open.shift()?.close();
    const label = `tcp#${this.connections.length + 1}`;
    const connection = await TargetConnection.open(
      { address: this.address, port: this.options.port, localAddress: this.localAddress() },
      label,
      this.timeoutMs,
    );
    this.connections.push(connection);
    return connection;
  }

  /** A new connection, or the one-line reason there is none. */
  async tryConnect(): Promise<TargetConnection | string> {
    try {
      return await this.connect();
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** A new connection on which hello was answered ok; or why there is none. */
  async session(check?: Check): Promise<TargetConnection | string> {
    const connection = await this.tryConnect();
    if (typeof connection === "string") return connection;
    const reply = await connection.request(this.helloFrame(), this.timeoutMs, check);
    this.saidHello();
    if (reply.kind === "frame" && accepted(reply)) {
      this.noteHelloReply(connection, reply);
      return connection;
    }
    connection.close();
    return `the hello on ${connection.label} got ${describeReply(reply)}`;
  }

  /** Remembers the history of a hello reply for the history checks. */
  noteHelloReply(connection: TargetConnection, reply: Extract<Reply, { kind: "frame" }>): void {
    const messages = accepted(reply)?.messages;
    this.helloHistories.push({ label: connection.label, messages, bytes: () => connection.tap.frameBytes(reply.item) });
    if (typeof messages === "object" && messages !== null) {
      this.largestHistory = Math.max(this.largestHistory, Object.keys(messages).length);
    }
  }

  /** The target's history: through GET /messages when its HTTP API answers, else a TCP hello. */
  async fetchHistory(): Promise<FetchedHistory | string> {
    if (this.http?.reachable) {
      const url = new URL("/messages", this.options.http);
      const outcome = await httpGet(url, this.timeoutMs);
      const record = (check: Check) => {
        check.sent("http", `GET ${url.pathname}`);
        if (outcome.ok) check.received("http", () => outcome.raw);
        else check.note("http", `(${outcome.why})`);
      };
      if (!outcome.ok) return `GET /messages failed: ${outcome.why}`;
      const parsed = parseJson(outcome.text);
      if (!parsed.ok) return "GET /messages did not answer JSON";
      const { history } = unwrapHistoryBody(parsed.value);
      const entries = new Map(checkHistory(history).valid);
      const count = typeof history === "object" && history !== null ? Object.keys(history).length : 0;
      this.largestHistory = Math.max(this.largestHistory, count);
      return { via: "GET /messages", entries, count, raw: asObject(history), record };
    }
    const lines: Array<(check: Check) => void> = [];
    const session = await this.sessionForHistory(lines);
    if (typeof session === "string") return session;
    // Left open until the end of the run: the line end of its reply may still be on the way, and
    // the conventions checks look at it.
    const { connection, messages } = session;
    return {
      via: `the history in a hello reply on ${connection.label}`,
      entries: new Map(checkHistory(messages).valid),
      count: typeof messages === "object" && messages !== null ? Object.keys(messages).length : 0,
      raw: asObject(messages),
      record: (check) => lines.forEach((line) => line(check)),
    };
  }

  /** Polls the history until `found` says yes or the wait is over; returns the last one fetched. */
  async pollHistory(found: (history: FetchedHistory) => boolean): Promise<FetchedHistory | string> {
    const deadline = Date.now() + this.timeoutMs;
    // A TCP hello per poll is heavier than a GET: poll that way less often.
    const pauseMs = this.http?.reachable ? 100 : 400;
    for (;;) {
      const history = await this.fetchHistory();
      if (typeof history === "string" || found(history) || Date.now() + pauseMs > deadline) return history;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** Checks `check` later, once the final history is known: the message must not be in it. */
  expectAbsent(entry: MustBeAbsent): void {
    this.mustBeAbsent.push(entry);
  }

  close(): void {
    for (const connection of this.connections) connection.close();
  }

  private localAddress(): string | undefined {
    return this.options.bindAddress === "0.0.0.0" ? undefined : this.options.bindAddress;
  }

  private async sessionForHistory(lines: Array<(check: Check) => void>):
    Promise<{ connection: TargetConnection; messages: unknown } | string> {
    const connection = await this.tryConnect();
    if (typeof connection === "string") return connection;
    const hello = this.helloFrame();
    const reply = await connection.request(hello, this.timeoutMs);
    lines.push((check) => check.sent(connection.label, hello));
    const ok = accepted(reply);
    if (reply.kind !== "frame" || !ok) {
      connection.close();
      return `the hello on ${connection.label} got ${describeReply(reply)}`;
    }
    lines.push((check) => check.received(connection.label, () => connection.tap.frameWithTerminator(reply.item)));
    this.noteHelloReply(connection, reply);
    return { connection, messages: ok.messages };
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

/** A reply in a few words, for a check's detail line. */
export function describeReply(reply: Reply): string {
  switch (reply.kind) {
    case "frame": {
      const text = JSON.stringify(reply.value);
      return text.length > 120 ? `${text.slice(0, 117)}...` : text;
    }
    case "bad":
      return `something that is not a JSON object (${reply.why})`;
    case "timeout":
      return `no answer within ${reply.afterMs} ms (timeout)`;
    case "closed":
      return `no answer: ${reply.why}`;
  }
}
