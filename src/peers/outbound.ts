import { EventEmitter } from "node:events";
import { connect } from "node:net";
import type { Logger } from "../log/logger.js";
import type { Reply } from "./commands.js";
import { errorText } from "../log/error-text.js";
import { MAX_IN_FLIGHT, parseReply, type ParsedReply } from "../protocol/frames.js";
import { ReadRoute } from "./read-route.js";
import { FramedSocket, type CloseReason, type FrameCounter } from "./framed-socket.js";
import { monotonicMs } from "../monotonic-clock.js";

/** Whom to connect to: a peer's id and the address its TCP server is at (docs/protocol.md §1). */
export interface ConnectTarget {
  peerId: string;
  host: string;
}

/** The settings of one outbound connection, read when it is opened. */
export interface OutboundSettings {
  /** Our own peer_id, for the hello (docs/protocol.md §2). */
  ownPeerId: string;
  /** The protocol port: whatever port a peer spoke from, its server is here (docs/protocol.md §1). */
  port: number;
  connectTimeoutMs: number;
  helloTimeoutMs: number;
  maxFrameBytes: number;
  maxHelloReplyBytes: number;
  maxWriteBufferBytes: number;
}

export interface OutboundOptions extends OutboundSettings, ConnectTarget {
  logger: Logger;
  counter?: FrameCounter;
}

export type AckResult = { ok: true } | { ok: false; message: string };

/** Told the peer's ack of one request; never told if the connection ends first (its "close" is). */
export type AckListener = (result: AckResult) => void;

export interface OutboundEvents {
  /** The hello was answered; the argument is the `messages` field of the answer. */
  ready: [unknown];
  close: [CloseReason];
  /**
   * The peer sent a command on the connection we opened (some peers do); whoever listens answers
   * it as a server would, by calling `respond` with the reply, or with undefined for none.
   */
  command: [frame: Record<string, unknown>, respond: (reply: Reply | undefined) => void];
}

/**
 * What the peer table needs of a connection to one peer, so that the table and each Peer can be
 * driven without sockets in tests (docs/architecture.md habit 9: collaborators that open sockets are passed in).
 */
export interface OutboundLike {
  /** The hello was answered and the connection is open. */
  readonly ready: boolean;
  /** The hello was answered at some point, even if the connection has ended since. */
  readonly established: boolean;
  /** Requests that may await their acks at once: 1, unless the hello reply offered more (docs/protocol.md "Pipelining"). */
  readonly maxInFlight: number;
  /** Sends one frame, and tells `onAck` its ack; returns why it was not sent, if it was not. */
  request(frame: object, ackTimeoutMs: number, onAck: AckListener): CloseReason | undefined;
  close(reason: CloseReason): void;
  on(event: "ready", listener: (messages: unknown) => void): unknown;
  on(event: "close", listener: (reason: CloseReason) => void): unknown;
}

/** Opens a connection to a peer: the real one makes an OutboundConnection, tests a fake. */
export type Connect = (target: ConnectTarget) => OutboundLike;

type Phase = "connecting" | "hello" | "ready" | "closed";

/** Every ok ack's result: one object, read and never changed. */
const ACKED: AckResult = Object.freeze({ ok: true });

interface InFlight {
  onAck: AckListener;
  /** When its ack is due, on monotonicMs()'s clock (which no change of the system clock moves). */
  dueAt: number;
  ackTimeoutMs: number;
}

/**
 * The connection we open to one peer (docs/protocol.md §2): connect, hello, take the history, then
 * carry our new messages, each waiting for its ack: one at a time, or up to the number the hello
 * reply offered (docs/protocol.md "Pipelining"), acked in the order sent. Every wait has a
 * timeout; a timeout ends the connection, and the peer table decides when to try again.
 */
export class OutboundConnection extends EventEmitter<OutboundEvents> implements OutboundLike {
  private phase: Phase = "connecting";
  private readonly framed: FramedSocket;
  private phaseTimer: NodeJS.Timeout | undefined;
  /** Requests sent and not yet acked, oldest first: a peer answers frames in the order they came. */
  private readonly inFlight: InFlight[] = [];
  /** Wakes when the earliest ack is due (checkAcks); one for the connection, not one per request. */
  private ackTimer: NodeJS.Timeout | undefined;
  private ackTimerDueAt = Infinity;
  private offeredInFlight = 1;
  private wasReady = false;

  constructor(private readonly options: OutboundOptions) {
    super();
    const reads = new ReadRoute();
    const socket = connect({ host: options.host, port: options.port, onread: reads.option });
    // The hello reply carries a whole history, so it may be larger than any other frame.
    this.framed = new FramedSocket(socket, {
      reads,
      maxFrameBytes: options.maxHelloReplyBytes,
      maxBufferedWriteBytes: options.maxWriteBufferBytes,
      ...(options.counter ? { counter: options.counter } : {}),
    });
    this.framed.on("close", (reason) => this.onClose(reason));
    this.framed.on("frame", (frame) => this.onFrame(frame));
    this.framed.on("badFrame", (err) => this.framed.sendError(`${err.code}: ${err.message}`));
    this.framed.on("fault", (err) => options.logger.error(`handling a frame from ${options.peerId} failed: ${errorText(err)}`));
    this.armPhaseTimer(options.connectTimeoutMs, "E_CONNECT_TIMEOUT", "no TCP connection");
    socket.once("connect", () => {
      this.phase = "hello";
      this.framed.send({ command: "hello", peer_id: options.ownPeerId });
      this.armPhaseTimer(options.helloTimeoutMs, "E_HELLO_TIMEOUT", "no answer to hello");
    });
  }

  get ready(): boolean {
    return this.phase === "ready";
  }

  /** The hello was answered at some point, even if the connection has ended since. */
  get established(): boolean {
    return this.wasReady;
  }

  get maxInFlight(): number {
    return this.offeredInFlight;
  }

  /**
   * Sends one frame; `onAck` is told the peer's ack, and never told if the connection ends first
   * (the connection's "close" says so). No ack within ackTimeoutMs ends the connection
   * (E_ACK_TIMEOUT). At most maxInFlight requests may wait at once: beyond that, or before the
   * hello is answered, nothing is sent and the reason is returned.
   *
   * A callback, not a promise: a new message is one request per peer, and a promise (with its
   * reactions and a microtask to settle it) per peer and message was work that a callback, called
   * where the ack is read, does not need. Nor does each request get a timer of its own: a timer
   * made and cleared per peer and message was work for every message sent (one for the connection
   * wakes when the earliest ack is due, and finds the answered ones gone).
   */
  request(frame: object, ackTimeoutMs: number, onAck: AckListener): CloseReason | undefined {
    if (this.phase !== "ready") return { code: "E_NOT_READY", message: "connection not ready" };
    if (this.inFlight.length >= this.offeredInFlight) {
      return { code: "E_BUSY", message: `${this.inFlight.length} acks are still awaited` };
    }
    // A peer that takes several frames at once reads them in one read as well: frames sent while
    // others await their acks are held to leave in one write at the end of this turn. The first
    // goes at once: at a chat's pace every message is a first, and holding it would only delay it.
    if (this.inFlight.length > 0) this.framed.holdWritesForThisTurn();
    this.framed.send(frame);
    // A write the peer's buffer could not take has closed the connection: nothing to wait for.
    if (this.phase !== "ready") return undefined;
    const dueAt = monotonicMs() + ackTimeoutMs;
    this.inFlight.push({ onAck, dueAt, ackTimeoutMs });
    // Armed already for an ack due no later: that wake-up will see this one too.
    if (dueAt < this.ackTimerDueAt) this.armAckTimer(dueAt, ackTimeoutMs);
    return undefined;
  }

  close(reason: CloseReason): void {
    this.framed.close(reason);
  }

  private armAckTimer(dueAt: number, inMs: number): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimerDueAt = dueAt;
    this.ackTimer = setTimeout(() => this.checkAcks(), Math.ceil(inMs));
  }

  /** The ack timer woke: ends the connection if an ack is overdue, else waits for the earliest one due. */
  private checkAcks(): void {
    this.ackTimer = undefined;
    this.ackTimerDueAt = Infinity;
    if (this.phase === "closed") return;
    let earliest: InFlight | undefined;
    for (const waiting of this.inFlight) {
      if (earliest === undefined || waiting.dueAt < earliest.dueAt) earliest = waiting;
    }
    if (earliest === undefined) return;
    // Node's timers count from the start of the loop's turn, so one can wake a little early.
    const left = earliest.dueAt - monotonicMs();
    if (left > 0) {
      this.armAckTimer(earliest.dueAt, left);
      return;
    }
    this.close({ code: "E_ACK_TIMEOUT", message: `no ack within ${earliest.ackTimeoutMs} ms` });
  }

  private armPhaseTimer(ms: number, code: string, what: string): void {
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phaseTimer = setTimeout(() => this.close({ code, message: `${what} within ${ms} ms` }), ms);
  }

  private onFrame(frame: Record<string, unknown>): void {
    const reply = parseReply(frame);
    if (reply.kind === "command") {
      // Some peers also send commands on the connection we opened; they are answered as a server
      // would, by whoever owns the history, not by the connection.
      if (this.listenerCount("command") === 0) {
        this.framed.sendError("E_UNKNOWN_COMMAND: commands are not answered on this connection");
        return;
      }
      this.emit("command", frame, (answer) => {
        if (answer) this.framed.send(answer);
      });
      return;
    }
    if (this.phase === "hello") {
      this.onHelloReply(reply);
    } else {
      const oldest = this.inFlight.shift();
      if (oldest) oldest.onAck(reply.kind === "ok" ? ACKED : { ok: false, message: reply.why });
    }
    // Any other status frame is unsolicited: ignored, never answered.
  }

  private onHelloReply(reply: Exclude<ParsedReply, { kind: "command" }>): void {
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
    if (reply.kind === "refused") {
      this.close({ code: "E_HELLO_REFUSED", message: `hello refused: ${reply.why}` });
      return;
    }
    this.phase = "ready";
    this.wasReady = true;
    // Another p2pchat offers to take several new_message frames before their acks; anything else
    // (no offer, or a value that is not a whole number from 1) means one at a time.
    this.offeredInFlight = Math.min(reply.maxInFlight ?? 1, MAX_IN_FLIGHT);
    this.framed.decoder.maxFrameBytes = this.options.maxFrameBytes;
    this.emit("ready", reply.messages);
  }

  private onClose(reason: CloseReason): void {
    this.phase = "closed";
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.inFlight.length = 0;
    this.emit("close", reason);
  }
}
