import { EventEmitter } from "node:events";
import type { Reach } from "../discovery/reach.js";
import type { StoredMessage } from "../history/history.js";
import type { FloodSummary } from "../log/flood-summary.js";
import type { Logger } from "../log/logger.js";
import { LogThrottle } from "../log/throttle.js";
import { encodedOnce } from "../protocol/encoder.js";
import { NO_STATS, type StatsSink } from "../stats/stats.js";
import type { CloseReason } from "./framed-socket.js";
import type { AckResult, Connect, OutboundLike } from "./outbound.js";
import { OneShotTimer, RetryTimer, systemTimers, type Timers } from "./retry-timer.js";

/**
 * A connection this peer opened to us, as far as a Peer cares: where it comes from. The server
 * owns and drives it (server.ts); the Peer only counts it and shows its address.
 */
export interface InboundConnection {
  readonly remoteAddress: string;
}

/** How we learnt that a peer is there: "remembered" is the state file, read at start. */
export type SeenVia = "udp-hello" | "udp-answer" | "tcp-hello" | "remembered";

/** One peer as the peers view shows it (GET /peers, the `peer` event, diagnosis.ts). */
export interface PeerInfo {
  peerId: string;
  address: string;
  outbound: "connected" | "connecting" | "down";
  inbound: number;
  /** Remote addresses of the connections this peer opened to us (after their hello). */
  inboundAddresses: string[];
  firstSeen: number;
  lastSeen: number;
  /** How the latest sign of life came: a UDP hello or answer, or a hello on a TCP connection. */
  lastSeenVia: SeenVia;
  /** Not heard from for peer_timeout after a connection ended: not retried until it announces itself. */
  gone: boolean;
  queued: number;
  lastError: (CloseReason & { at: number }) | undefined;
  /** Our hello to it has been answered at some point: it is a real peer, not just a claim. */
  established: boolean;
  /** Another host announced this peer_id lately, and we stayed where it was (peer-table.ts). */
  clash: { address: string; at: number } | undefined;
  /** How it is reached: one of our LANs, a static entry, remembered, or routed (discovery/reach.ts). */
  reach: Reach;
}

/** What one peer's connection, retries and sending are held to; all but ownPeerId may be reconfigured. */
export interface PeerSettings {
  /** Put into every new_message we send (docs/protocol.md "What real peers do": one peer refuses it without). */
  ownPeerId: string;
  ackTimeoutMs: number;
  /** Sends of one message before it is dropped. */
  maxSendAttempts: number;
  /** Our messages waiting for this peer's ack; beyond it the oldest is dropped. */
  maxQueuedMessages: number;
  /** Silent this long when a connection ends: no more retries until it announces itself. */
  peerTimeoutMs: number;
  /** Backoff between reconnects; taken when the peer is first seen. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Our hello's interval ([DISCOVERY] interval): a peer that connects back only when it hears
   *  one is given two of them (connectBackWaitMs). */
  helloIntervalMs: number;
}

export const PEER_DEFAULTS: Omit<PeerSettings, "ownPeerId"> = {
  ackTimeoutMs: 5_000,
  maxSendAttempts: 5,
  maxQueuedMessages: 1_000,
  peerTimeoutMs: 15_000,
  retryMinMs: 250,
  retryMaxMs: 10_000,
  helloIntervalMs: 5_000,
};

/** What a Peer works with; tests pass a fake `connect`, clock and timers. */
export interface PeerCollaborators {
  connect: Connect;
  logger: Logger;
  now?: () => number;
  timers?: Timers;
  /** Jitter of the backoff. */
  random?: () => number;
  stats?: StatsSink;
  /** Where lines that a flood of made-up peers, or a peer refusing all we send, would repeat go: a few a minute, then a count. */
  floodLog?: Pick<FloodSummary, "write">;
  /** How the peer at an address is reached (discovery/reach.ts); without it, "routed". */
  reachOf?: (host: string) => Reach;
  /**
   * Something in info() changed. A callback rather than an event: every datagram from the peer
   * changes its last sign of life, and an emit made an array of its (no) arguments each time
   * (bench/analysis.md "Idle CPU").
   */
  onChange?: () => void;
}

interface PeerEvents {
  /** The `messages` of a hello reply: the peer's history, for the history intake (docs/protocol.md §2). */
  history: [messages: unknown];
}

interface PendingMessage {
  message: StoredMessage;
  attempts: number;
}

/** A timed-out ack wait grows by this factor, up to this multiple of [TCP] ack_timeout. */
const ACK_TIMEOUT_GROWTH = 3;
const ACK_TIMEOUT_CAP = 12;
/** Sends of one message to a peer that has never acked anything: it likely never will. */
const ATTEMPTS_UNTIL_FIRST_ACK = 2;
/** Close reasons that mean nobody answered at the address: a hello from it afterwards is news. */
const UNREACHABLE = new Set(["E_CONNECT_TIMEOUT", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ETIMEDOUT"]);
/** How often "queue full" is said while a peer stays behind. */
const QUEUE_WARNING_INTERVAL_MS = 60_000;
/**
 * How long after our connection to a peer is up its own connection to us may take before the log
 * says the chat goes one way only. A peer connects back as soon as it hears our hello, its answer
 * or our connection's hello; two hello intervals leave room for one hello lost: 10 s at the
 * protocol's interval of 5 s, more with a longer one configured (connectBackWaitMs).
 */
export const CONNECT_BACK_WAIT_MS = 10_000;

/** The wait for a peer to connect back: two of our hello intervals, and never under CONNECT_BACK_WAIT_MS. */
export function connectBackWaitMs(helloIntervalMs: number): number {
  return Math.max(CONNECT_BACK_WAIT_MS, 2 * helloIntervalMs);
}

/**
 * A peer that stops closes both connections, ours to it and its own to us, within a few ms of each
 * other; a link that goes down does too, once keepalive notices. Ends this close together are one
 * event: the first is said at info, the other at debug.
 */
export const ONE_DEPARTURE_MS = 2_000;

/** The log line of a connection a peer opened to us that ended: one wording, wherever it is said. */
export function disconnectedFromUs(peerId: string, address: string, reason: CloseReason): string {
  return `${peerId} disconnected from us (${address}): ${reason.message} (${reason.code})`;
}

/**
 * One remote peer and everything we do with it (docs/architecture.md habit 9, after hyperswarm's
 * peer-info.js): the one connection we open to it and its retries, the connections it opened to
 * us, and our messages to it, each until acked: one at a time (docs/protocol.md "What real peers
 * do": one frame per write, and wait for the ack before the next), or as many at once as the
 * peer's hello reply offers (docs/protocol.md "Pipelining"). Every state change happens in a
 * method of its own; the table that holds it only decides whether it is held.
 */
export class Peer extends EventEmitter<PeerEvents> {
  readonly firstSeen: number;
  private address: string;
  private lastSeenAt: number;
  private lastSeenVia: SeenVia;
  /** How it first came to our notice, until its first connection says so. */
  private foundVia: SeenVia | undefined;
  private outbound: OutboundLike | undefined;
  private readonly inbound = new Set<InboundConnection>();
  /** Our messages waiting to be sent to this peer, oldest first; they survive reconnects. */
  private queue: PendingMessage[] = [];
  /** Sent on the current connection and waiting for their acks, in the order sent (acks come in
   *  that order); put back at the head of the queue if the connection ends first. */
  private awaiting: PendingMessage[] = [];
  private readonly retry: RetryTimer;
  /** Retrying stopped because the peer has not announced itself for peer_timeout. */
  private isGone = false;
  private lastError: (CloseReason & { at: number }) | undefined;
  /** The ack wait for this peer: it grows while acks time out, so a slow peer still gets through. */
  private ackTimeoutMs: number;
  /** It has acked a message at some point, so a missing ack means slow, not "never acks". */
  private everAcked = false;
  /** Stopped or evicted: it makes no connection and reports no change any more. */
  private closed = false;
  /** Our hello to it was answered at some point (it is a peer, not a made-up id). */
  private everEstablished = false;
  /** The last sign of life that came from its own address. */
  private lastHeardAtHome: number;
  /** The last connection failed after reaching it (a refused hello, a timeout, a frame too
   *  large...), not for want of anyone there: a new hello is no news, the backoff stands. */
  private lastFailureReachedIt = false;
  private lastClash: { address: string; at: number } | undefined;
  /** When a connection with this peer, ours or its own, last ended and the log said so at info. */
  private lastDepartureSaidAt = -Infinity;
  private settings: PeerSettings;
  private readonly now: () => number;
  private readonly stats: StatsSink;
  private readonly queueWarnings: LogThrottle;
  /** Our connection is up and the peer's to us is not: the wait for it (CONNECT_BACK_WAIT_MS). */
  private readonly connectBackWait: OneShotTimer;
  /** The log's last word on its connections to us was that there is none (it has not connected
   *  back, or its connection ended) and no "connected to" line came since: the next is news. */
  private inboundIsNews = false;

  constructor(
    readonly id: string,
    host: string,
    via: SeenVia,
    private readonly collaborators: PeerCollaborators,
    settings: Partial<PeerSettings> & Pick<PeerSettings, "ownPeerId">,
  ) {
    super();
    this.settings = { ...PEER_DEFAULTS, ...settings };
    this.now = collaborators.now ?? Date.now;
    this.stats = collaborators.stats ?? NO_STATS;
    this.address = host;
    this.firstSeen = this.lastSeenAt = this.lastHeardAtHome = this.now();
    this.lastSeenVia = this.foundVia = via;
    this.ackTimeoutMs = this.settings.ackTimeoutMs;
    const timers = collaborators.timers ?? systemTimers;
    this.retry = new RetryTimer(this.settings.retryMinMs, this.settings.retryMaxMs,
      collaborators.random ?? Math.random, timers);
    this.connectBackWait = new OneShotTimer(timers);
    this.queueWarnings = new LogThrottle(QUEUE_WARNING_INTERVAL_MS, this.now);
  }

  get host(): string {
    return this.address;
  }

  get lastSeen(): number {
    return this.lastSeenAt;
  }

  get gone(): boolean {
    return this.isGone;
  }

  /** Our connection to it has had its hello answered and is open. */
  get outboundReady(): boolean {
    return this.outbound?.ready ?? false;
  }

  /** No working connection either way: the first to go when the table needs room. */
  get idle(): boolean {
    return !this.outboundReady && this.inbound.size === 0;
  }

  /** Our hello to it has been answered at some point. */
  get established(): boolean {
    return this.everEstablished;
  }

  /**
   * Whether another host announcing this peer_id may take it over: only while the peer was never
   * proven to be where it is, or when nothing has come from there for peer_timeout. A classmate
   * who restarts is silent for a few seconds, and an impostor must not inherit its messages then.
   */
  mayMoveAway(): boolean {
    if (this.outboundReady) return false;
    return !this.everEstablished || this.now() - this.lastHeardAtHome > this.settings.peerTimeoutMs;
  }

  /** Another host announces this peer_id, and we stay where we are (shown in the peers view). */
  clashWith(address: string): void {
    const first = this.lastClash?.address !== address;
    this.lastClash = { address, at: this.now() };
    if (first) this.changed();
  }

  get queued(): number {
    return this.awaiting.length + this.queue.length;
  }

  /** New limits and timeouts (config reload). The backoff keeps the bounds it was made with. */
  reconfigure(settings: Partial<Omit<PeerSettings, "ownPeerId">>): void {
    const before = this.settings.ackTimeoutMs;
    this.settings = { ...this.settings, ...settings };
    if (this.settings.ackTimeoutMs !== before) this.ackTimeoutMs = this.settings.ackTimeoutMs;
  }

  /** The peer's address changed (the table decides when a new address is believed). */
  movedTo(host: string, via: SeenVia): void {
    this.collaborators.logger.info(`peer ${this.id} moved from ${this.address} to ${host} (${via})`);
    this.address = host;
    this.everEstablished = false;
    this.lastClash = undefined;
    this.lastHeardAtHome = this.now();
  }

  /**
   * A sign of life (docs/protocol.md §1, §2): a gone peer is tried again, and a peer we have no
   * connection to is connected at once, without waiting out the backoff: a restarted peer is back
   * in a moment. Announcements come once per interval, so this does not hammer a peer that refuses us.
   */
  heard(via: SeenVia, from: string = this.address): void {
    if (this.closed) return;
    this.lastSeenAt = this.now();
    this.lastSeenVia = via;
    if (from === this.address) this.lastHeardAtHome = this.lastSeenAt;
    if (this.isGone) {
      this.collaborators.logger.info(`peer ${this.id} is back at ${this.address} (${via})`);
      this.isGone = false;
      this.retry.reset();
    }
    // A sign of life brings the next attempt forward only when the last one found nobody there:
    // then the hello is news. A peer that was reached and failed us (refused our hello, sent a
    // reply too large, never answered) keeps its backoff, however often it announces itself.
    if (!this.outbound && !(this.retry.pending && this.lastFailureReachedIt)) {
      this.retry.cancel();
      this.connect();
    }
    this.changed();
  }

  /**
   * A connection this peer opened to us said hello (server.ts logs it at debug: in the usual case
   * our own "connected to" line says all a user needs, and a second line per peer joining was a
   * write and a wake-up of journald in every peer of the room; bench/analysis.md). It is said
   * here when the log's last word was that there was none: the one-way line, or the end of its
   * connection (server.ts: "disconnected from us") with no "connected to" line since.
   */
  attachInbound(connection: InboundConnection): void {
    if (this.inbound.has(connection)) return;
    this.inbound.add(connection);
    this.connectBackWait.cancel();
    if (this.inboundIsNews) {
      this.inboundIsNews = false;
      this.collaborators.logger.info(`${this.id} connected to us from ${connection.remoteAddress}` +
        (this.outboundReady ? ": both ways now" : ""));
    }
    this.changed();
  }

  /**
   * A connection this peer opened to us ended (`reason`), or introduced itself as another peer (no
   * reason: nothing to say). Said here rather than by the server, beside our own connection's end,
   * so that a peer leaving is one line at info, not one per connection (sayDeparture).
   */
  detachInbound(connection: InboundConnection, reason?: CloseReason): void {
    if (!this.inbound.delete(connection)) return;
    if (this.inbound.size === 0) this.inboundIsNews = true;
    if (reason && !this.closed) {
      this.sayDeparture(disconnectedFromUs(this.id, connection.remoteAddress, reason));
    }
    this.changed();
  }

  /** Queues a message (ours, or one relayed: peers/relay.ts) for this peer, and sends it when its turn comes. */
  enqueue(message: StoredMessage): void {
    this.queue.push({ message, attempts: 0 });
    // A peer that acks slower than we send, or not at all, must not grow our memory without end.
    // The dropped message may still reach it in a hello answer, while in our history. The oldest
    // not yet sent goes: one already sent may be acked yet.
    const cap = this.settings.maxQueuedMessages;
    while (this.queued > cap && this.queue.length > 0) {
      const dropped = this.queue.shift();
      this.stats.countReason("dropped", "E_QUEUE_FULL", this.id);
      if (this.queueWarnings.allows()) {
        this.collaborators.logger.warn(`${this.id} is ${cap} messages behind ([TCP] max_queued_messages): ` +
          `dropped message ${dropped?.message.id} for it, and so on, said once a minute`);
      }
    }
    // Sent first, then told: the frame to this peer goes before the next peer's, and the change
    // event is only marked here (the table reports it at the end of the turn).
    this.pump();
    this.changed();
  }

  /** Ends our connection and every retry: the node stops, or the table forgets this peer. */
  close(reason: CloseReason): void {
    this.closed = true;
    this.retry.cancel();
    this.connectBackWait.cancel();
    this.outbound?.close(reason);
  }

  info(): PeerInfo {
    return {
      peerId: this.id,
      address: this.address,
      outbound: this.outbound?.ready ? "connected" : this.outbound ? "connecting" : "down",
      inbound: this.inbound.size,
      inboundAddresses: [...this.inbound].map((connection) => connection.remoteAddress),
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeenAt,
      lastSeenVia: this.lastSeenVia,
      gone: this.isGone,
      queued: this.queued,
      lastError: this.lastError,
      established: this.everEstablished,
      clash: this.lastClash,
      reach: this.reach,
    };
  }

  get reach(): Reach {
    return this.collaborators.reachOf?.(this.address) ?? { kind: "routed", name: this.address };
  }

  /** The end of a connection with this peer: at info, unless another end was said just before (ONE_DEPARTURE_MS). */
  private sayDeparture(line: string): void {
    const now = this.now();
    if (now - this.lastDepartureSaidAt < ONE_DEPARTURE_MS) {
      this.collaborators.logger.debug(line);
      return;
    }
    this.lastDepartureSaidAt = now;
    this.collaborators.logger.info(line);
  }

  private changed(): void {
    if (!this.closed) this.collaborators.onChange?.();
  }

  private connect(): void {
    const connection = this.collaborators.connect({ peerId: this.id, host: this.address });
    this.outbound = connection;
    connection.on("ready", (messages) => this.connected(connection, messages));
    connection.on("close", (reason) => this.disconnected(connection, reason));
  }

  /** Our hello was answered (docs/protocol.md §2): its history goes to the intake, then our queue goes out. */
  private connected(connection: OutboundLike, messages: unknown): void {
    if (this.outbound !== connection || this.closed) return;
    this.retry.reset();
    this.lastError = undefined;
    // The first connection is where the log meets the peer (peer-table.ts logs "found" at debug).
    const met = this.foundVia === undefined ? "" : ` (found by ${this.foundVia})`;
    this.foundVia = undefined;
    this.everEstablished = true;
    this.lastHeardAtHome = this.now();
    this.emit("history", messages);
    this.collaborators.logger.info(`connected to ${this.id} at ${this.address}${met}`);
    // The peer is back in the log: its connection to us is awaited, and said only if it does not come.
    this.inboundIsNews = false;
    if (this.inbound.size === 0) this.awaitConnectBack();
    this.changed();
    this.pump();
  }

  /**
   * Each peer sends on the connection it opened (docs/protocol.md §2): without the peer's
   * connection to us, its messages cannot reach us. One line says so if it does not come
   * (a peer that does not hear our hellos, a firewall on our side), and one more when it does.
   */
  private awaitConnectBack(): void {
    const waitMs = connectBackWaitMs(this.settings.helloIntervalMs);
    this.connectBackWait.start(waitMs, () => {
      if (this.closed || !this.outboundReady || this.inbound.size > 0) return;
      this.inboundIsNews = true;
      this.collaborators.logger.info(`${this.id} has not connected to us within ${waitMs / 1000} s: ` +
        `our messages reach it at ${this.address}, its messages cannot reach us until it does`);
    });
  }

  private disconnected(connection: OutboundLike, reason: CloseReason): void {
    if (this.outbound !== connection) return;
    this.outbound = undefined;
    this.connectBackWait.cancel();
    this.requeueUnacked(reason);
    this.stats.countReason("closed", reason.code, this.id);
    // Stopped, or evicted from the table: nothing to log or retry.
    if (this.closed) return;
    const { logger } = this.collaborators;
    const repeated = this.lastError?.code === reason.code;
    this.lastError = { ...reason, at: this.now() };
    this.lastFailureReachedIt = !UNREACHABLE.has(reason.code);
    const line = connection.established
      ? `connection to ${this.id} at ${this.address} lost: ${reason.message} (${reason.code})`
      : `cannot connect to ${this.id} at ${this.address}: ${reason.message} (${reason.code})`;
    // A peer that stays unreachable would fill the log with the same line every few seconds; and
    // a flood of made-up peer_ids, each failing once, with one line each: those that never
    // answered a hello go through the flood summary.
    if (connection.established) this.sayDeparture(line);
    else if (repeated) logger.debug(line);
    else if (this.everEstablished || !this.collaborators.floodLog) logger.info(line);
    else this.collaborators.floodLog.write("info", "cannot-connect", "first failures to connect to new peers", () => line);

    // docs/protocol.md "Timing": a peer that does not answer is gone until it announces itself again.
    const silentFor = this.now() - this.lastSeenAt;
    if (silentFor > this.settings.peerTimeoutMs) {
      this.isGone = true;
      const line = () => `peer ${this.id} not heard from for ${Math.round(silentFor / 1000)} s: ` +
        "not retrying until it announces itself again";
      // One line per made-up peer of a flood would be hundreds: those never proven are summed up.
      if (this.everEstablished || !this.collaborators.floodLog) logger.info(line());
      else this.collaborators.floodLog.write("info", "gone", "never-proven peers no longer retried", line);
      this.changed();
      return;
    }
    this.changed();
    const delay = this.retry.schedule(() => {
      if (this.closed || this.outbound) return;
      this.connect();
      this.changed();
    });
    logger.debug(`reconnecting to ${this.id} in ${delay} ms`);
  }

  /**
   * Sends from the queue head while the connection has room: one message at a time, each after
   * the previous one's ack (docs/protocol.md "What real peers do"), unless the peer's hello reply
   * offered more in flight (docs/protocol.md "Pipelining"). Each ack is handled by acked().
   */
  private pump(): void {
    const connection = this.outbound;
    if (!connection?.ready || this.closed) return;
    // Asked again after every send: the write itself can end the connection (a peer that does not
    // read has filled its buffer), and then disconnected() has already put the unacked messages
    // back in the queue; going on would take the next ones for a connection that is gone, to
    // await acks that never come, and the next connection would be sent nothing. (The same
    // rules, ready and room in flight, are why request() never refuses what is sent from here.)
    while (this.outbound === connection && this.awaiting.length < connection.maxInFlight) {
      const entry = this.queue.shift();
      if (!entry) return;
      entry.attempts += 1;
      this.awaiting.push(entry);
      const { message } = entry;
      const sentAt = this.now();
      // If the connection ends first, onAck is never told: disconnected() puts the message back.
      connection.request(newMessageFrame(message), this.ackTimeoutMs, (result) => this.acked(connection, entry, result, sentAt));
    }
  }

  private acked(connection: OutboundLike, entry: PendingMessage, result: AckResult, sentAt: number): void {
    // Put back by a disconnect that came in the same turn as the ack: it goes again, and the
    // peer, which has it, acks it again.
    if (connection !== this.outbound || this.awaiting[0] !== entry) return;
    this.awaiting.shift();
    this.everAcked = true;
    // Acks come quickly again: come back down towards the configured wait.
    if ((this.now() - sentAt) * ACK_TIMEOUT_GROWTH < this.ackTimeoutMs) {
      this.ackTimeoutMs = Math.max(this.settings.ackTimeoutMs, Math.round(this.ackTimeoutMs / 2));
    }
    const { logger } = this.collaborators;
    if (result.ok) {
      this.stats.count("messagesAcked", this.id);
      // Asked first: the line would be built for every ack of every peer, and debug is off by default.
      if (logger.enabled("debug")) logger.debug(`message ${entry.message.id} acked by ${this.id}`);
    } else {
      // Sending it again would be refused again: it is dropped, not retried.
      this.stats.countReason("dropped", "E_REFUSED_BY_PEER", this.id);
      // A peer may refuse every message (its rate limit, our clock behind its own): a paste of
      // two hundred lines must not be two hundred lines of log per such peer. A few a minute, then a count.
      const line = () => `message ${entry.message.id} refused by ${this.id}: ${result.message}`;
      const { floodLog } = this.collaborators;
      if (floodLog) floodLog.write("warn", `refused-by:${this.id}`, `of our messages refused by ${this.id}`, line);
      else logger.warn(line());
    }
    this.changed();
    this.pump();
  }

  /**
   * The connection ended while messages waited for their acks. They go back to the head of the
   * queue, in order, for the next connection, except those that have had their chances: a peer
   * that never acks must not be sent the same message forever.
   */
  private requeueUnacked(reason: CloseReason): void {
    if (this.awaiting.length === 0) return;
    if (reason.code === "E_ACK_TIMEOUT") {
      this.ackTimeoutMs = Math.min(this.ackTimeoutMs * ACK_TIMEOUT_GROWTH, this.settings.ackTimeoutMs * ACK_TIMEOUT_CAP);
    }
    const allowed = this.everAcked
      ? this.settings.maxSendAttempts
      : Math.min(ATTEMPTS_UNTIL_FIRST_ACK, this.settings.maxSendAttempts);
    const kept: PendingMessage[] = [];
    for (const entry of this.awaiting) {
      if (entry.attempts < allowed) {
        kept.push(entry);
        continue;
      }
      this.stats.countReason("dropped", "E_NO_ACK", this.id);
      this.collaborators.logger.warn(`message ${entry.message.id} to ${this.id} dropped after ${entry.attempts} attempts without an ack`);
    }
    this.awaiting = [];
    this.queue = kept.concat(this.queue);
  }
}

/** The new_message frame of each message queued, made and encoded once for all the peers it goes to. */
const FRAMES = new WeakMap<StoredMessage, object>();

function newMessageFrame(message: StoredMessage): object {
  let frame = FRAMES.get(message);
  if (frame === undefined) {
    frame = encodedOnce({
      command: "new_message",
      message_id: message.id,
      message: message.message,
      // docs/protocol.md "What real peers do": one peer refuses new_message without it. Ours carry
      // our own id; a relayed message keeps its author's (peers/relay.ts), for the peers
      // that read the field (p2pchat does; those that attribute by connection do not).
      peer_id: message.peer_id,
    });
    FRAMES.set(message, frame);
  }
  return frame;
}
