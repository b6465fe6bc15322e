import { EventEmitter } from "node:events";
import type { Config } from "../config/types.js";
import { checkHistoryPayload, type History, type StoredMessage } from "../history/history.js";
import type { Logger } from "../log/logger.js";
import type { CloseReason, FramedSocket } from "./framed-socket.js";
import { OutboundConnection } from "./outbound.js";
import { RetryTimer } from "./retry-timer.js";

/** How we learnt that a peer is there. */
export type SeenVia = "udp-hello" | "udp-answer" | "tcp-hello";

interface PendingMessage {
  message: StoredMessage;
  attempts: number;
}

interface RemotePeer {
  id: string;
  host: string;
  firstSeen: number;
  lastSeen: number;
  lastSeenVia: SeenVia;
  outbound: OutboundConnection | undefined;
  inbound: Set<FramedSocket>;
  /** Our messages this peer has not acked yet, oldest first; they survive reconnects. */
  queue: PendingMessage[];
  pumping: boolean;
  retry: RetryTimer;
  /** Retrying stopped because the peer has not announced itself for peer_timeout. */
  gone: boolean;
  lastError: (CloseReason & { at: number }) | undefined;
  /** The ack wait for this peer: it grows while acks time out, so a slow peer still gets through. */
  ackTimeoutMs: number;
  /** When "queue full" was last said for this peer. */
  lastQueueWarning: number;
  /** This peer has acked a message at some point, so a missing ack means slow, not "never acks". */
  everAcked: boolean;
}

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
}

/** Peer ids one address may hold in the table: one host runs one peer, or a few in turn. */
const MAX_IDS_PER_ADDRESS = 4;
/** A timed-out ack wait grows by this factor, up to this multiple of [TCP] ack_timeout. */
const ACK_TIMEOUT_GROWTH = 3;
const ACK_TIMEOUT_CAP = 12;
/** Sends of one message to a peer that has never acked anything: it likely never will. */
const ATTEMPTS_UNTIL_FIRST_ACK = 2;
/** How often "table full" is said while a flood goes on. */
const FULL_WARNING_INTERVAL_MS = 60_000;

interface PeerTableEvents {
  /** Something in this peer's PeerInfo changed (for the peers panel and GET /events). */
  change: [PeerInfo];
}

export interface PeerTableOptions {
  config: Config;
  history: History;
  logger: Logger;
  /** True for an address at which a peer would be our own server (see local-address.ts). */
  isOwnAddress?: (address: string) => boolean;
  now?: () => number;
}

/**
 * Every peer we know, keyed by peer_id (DESIGN.md habit 5). Discovery and inbound hellos tell it
 * where a peer is; it owns the one outbound connection per peer, reconnects with backoff while the
 * peer keeps announcing itself, and carries our messages to each peer in order, each until acked.
 */
export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly peers = new Map<string, RemotePeer>();
  private readonly now: () => number;
  private stopped = false;
  private lastFullWarning = -Infinity;
  private readonly clashesLogged = new Set<string>();

  constructor(private readonly options: PeerTableOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** A sign of life from a peer: connect to it if we have no connection (PROTOCOL.md §1, §2). */
  seen(peerId: string, host: string, via: SeenVia): void {
    if (this.stopped || peerId === this.options.config.peerId) return;
    const { logger } = this.options;
    if (this.options.isOwnAddress?.(host)) {
      logger.debug(`not connecting to ${peerId}: ${host} is this host, where our own server listens`);
      return;
    }
    let peer = this.peers.get(peerId);
    if (!peer) {
      const refusal = this.makeRoom(host);
      if (refusal) {
        if (this.now() - this.lastFullWarning >= FULL_WARNING_INTERVAL_MS) {
          this.lastFullWarning = this.now();
          logger.warn(`ignoring peer ${peerId} at ${host}: ${refusal}`);
        }
        return;
      }
      peer = this.create(peerId, host, via);
      logger.info(`peer found: ${peerId} at ${host} (${via})`);
    } else if (peer.host !== host && via === "tcp-hello") {
      // A connection's source address need not be the address a peer announces from (a host
      // with several addresses): a TCP hello proves the peer alive, not that it moved.
    } else if (peer.host !== host) {
      if (peer.outbound?.ready) {
        // Two hosts with one peer_id (two students kept the same default name): keep the one we
        // are connected to, and say so once instead of flapping between them.
        const clash = `${peerId}@${host}`;
        if (!this.clashesLogged.has(clash)) {
          if (this.clashesLogged.size >= 1_000) this.clashesLogged.clear();
          this.clashesLogged.add(clash);
          logger.warn(`peer_id ${peerId} is announced by ${host} too, while we are connected to it at ` +
            `${peer.host}: two peers share one id; staying with ${peer.host}`);
        }
        return;
      }
      logger.info(`peer ${peerId} moved from ${peer.host} to ${host} (${via})`);
      peer.host = host;
    } else if (peer.gone) {
      logger.info(`peer ${peerId} is back at ${host} (${via})`);
    }
    peer.lastSeen = this.now();
    peer.lastSeenVia = via;
    if (peer.gone) {
      peer.gone = false;
      peer.retry.reset();
    }
    if (!peer.outbound) {
      // A fresh sign of life beats waiting out the backoff: a restarted peer is connected at once.
      // Announcements come once per interval, so this does not hammer a peer that refuses us.
      peer.retry.cancel();
      this.connect(peer);
    }
    this.changed(peer);
  }

  attachInbound(peerId: string, connection: FramedSocket): void {
    const peer = this.peers.get(peerId);
    if (!peer || peer.inbound.has(connection)) return;
    peer.inbound.add(connection);
    this.changed(peer);
  }

  detachInbound(peerId: string, connection: FramedSocket): void {
    const peer = this.peers.get(peerId);
    if (peer?.inbound.delete(connection)) this.changed(peer);
  }

  /** Queues one of our messages for every known peer; returns how many peers it is queued for. */
  broadcast(message: StoredMessage): number {
    const cap = this.options.config.tcp.maxQueuedMessages;
    for (const peer of this.peers.values()) {
      peer.queue.push({ message, attempts: 0 });
      // A peer that acks slower than we send, or not at all, must not grow our memory without end.
      // The dropped message may still reach it in a hello answer, while in our history.
      if (peer.queue.length > cap) {
        const dropped = peer.queue.shift();
        if (this.now() - peer.lastQueueWarning >= FULL_WARNING_INTERVAL_MS) {
          peer.lastQueueWarning = this.now();
          this.options.logger.warn(`${peer.id} is ${cap} messages behind ([TCP] max_queued_messages): ` +
            `dropped message ${dropped?.message.id} for it, and so on, said once a minute`);
        }
      }
      this.changed(peer);
      void this.pump(peer);
    }
    return this.peers.size;
  }

  list(): PeerInfo[] {
    return [...this.peers.values()].map((peer) => this.info(peer));
  }

  private info(peer: RemotePeer): PeerInfo {
    return {
      peerId: peer.id,
      address: peer.host,
      outbound: peer.outbound?.ready ? "connected" : peer.outbound ? "connecting" : "down",
      inbound: peer.inbound.size,
      inboundAddresses: [...peer.inbound].map((connection) => connection.remoteAddress),
      firstSeen: peer.firstSeen,
      lastSeen: peer.lastSeen,
      lastSeenVia: peer.lastSeenVia,
      gone: peer.gone,
      queued: peer.queue.length,
      lastError: peer.lastError,
    };
  }

  private changed(peer: RemotePeer): void {
    if (!this.stopped && this.listenerCount("change") > 0) this.emit("change", this.info(peer));
  }

  stop(): void {
    this.stopped = true;
    for (const peer of this.peers.values()) {
      peer.retry.cancel();
      peer.outbound?.close({ code: "E_SHUTDOWN", message: "shutting down" });
    }
  }

  /**
   * Frees a place for a new peer at `host`, evicting the longest-silent peer that has no working
   * connection if a limit is reached; returns why there is no room, if there is none.
   */
  private makeRoom(host: string): string | undefined {
    const atHost = [...this.peers.values()].filter((p) => p.host === host);
    if (atHost.length >= MAX_IDS_PER_ADDRESS && !this.evictIdle(atHost)) {
      return `${host} already announced ${atHost.length} peer ids that are still connected`;
    }
    const { maxPeers } = this.options.config.discovery;
    if (this.peers.size >= maxPeers && !this.evictIdle([...this.peers.values()])) {
      return `the peer table is full (${maxPeers} peers, [DISCOVERY] max_peers)`;
    }
    return undefined;
  }

  private evictIdle(candidates: RemotePeer[]): boolean {
    const idle = candidates
      .filter((p) => !p.outbound?.ready && p.inbound.size === 0)
      .sort((a, b) => a.lastSeen - b.lastSeen)[0];
    if (!idle) return false;
    idle.retry.cancel();
    this.peers.delete(idle.id);
    idle.outbound?.close({ code: "E_EVICTED", message: "evicted from the peer table" });
    this.options.logger.info(`forgot peer ${idle.id} at ${idle.host} to make room (silent for ` +
      `${Math.round((this.now() - idle.lastSeen) / 1000)} s)`);
    return true;
  }

  private create(peerId: string, host: string, via: SeenVia): RemotePeer {
    const { tcp } = this.options.config;
    const peer: RemotePeer = {
      id: peerId,
      host,
      firstSeen: this.now(),
      lastSeen: this.now(),
      lastSeenVia: via,
      outbound: undefined,
      inbound: new Set(),
      queue: [],
      pumping: false,
      retry: new RetryTimer(tcp.retryMinMs, tcp.retryMaxMs),
      gone: false,
      lastError: undefined,
      ackTimeoutMs: tcp.ackTimeoutMs,
      lastQueueWarning: -Infinity,
      everAcked: false,
    };
    this.peers.set(peerId, peer);
    return peer;
  }

  private connect(peer: RemotePeer): void {
    const { config, history, logger } = this.options;
    const connection = new OutboundConnection({
      ownPeerId: config.peerId,
      peerId: peer.id,
      host: peer.host,
      port: config.port,
      connectTimeoutMs: config.tcp.connectTimeoutMs,
      helloTimeoutMs: config.tcp.helloTimeoutMs,
      maxFrameBytes: config.tcp.maxFrameBytes,
      maxHelloReplyBytes: config.tcp.maxHelloReplyBytes,
      maxMessageBytes: config.history.maxMessageBytes,
      maxWriteBufferBytes: config.tcp.maxWriteBufferBytes,
      history,
      logger,
    });
    peer.outbound = connection;
    connection.on("ready", (messages) => {
      peer.retry.reset();
      peer.lastError = undefined;
      const merged = this.mergeHistory(peer, messages);
      logger.info(`connected to ${peer.id} at ${peer.host}: history of ${merged.total}, ${merged.added} new`);
      this.changed(peer);
      void this.pump(peer);
    });
    connection.on("close", (reason) => this.onOutboundClosed(peer, connection, reason));
  }

  private onOutboundClosed(peer: RemotePeer, connection: OutboundConnection, reason: CloseReason): void {
    if (peer.outbound !== connection) return;
    const { logger, config } = this.options;
    peer.outbound = undefined;
    // Stopped, or evicted from the table: nothing to log or retry.
    if (this.stopped || this.peers.get(peer.id) !== peer) return;
    const repeated = peer.lastError?.code === reason.code;
    peer.lastError = { ...reason, at: this.now() };
    const line = connection.established
      ? `connection to ${peer.id} at ${peer.host} lost: ${reason.message} (${reason.code})`
      : `cannot connect to ${peer.id} at ${peer.host}: ${reason.message} (${reason.code})`;
    // A peer that stays unreachable would fill the log with the same line every few seconds.
    if (connection.established || !repeated) logger.info(line);
    else logger.debug(line);

    const silentFor = this.now() - peer.lastSeen;
    if (silentFor > config.discovery.peerTimeoutMs) {
      peer.gone = true;
      logger.info(`peer ${peer.id} not heard from for ${Math.round(silentFor / 1000)} s: ` +
        "not retrying until it announces itself again");
      this.changed(peer);
      return;
    }
    this.changed(peer);
    const delay = peer.retry.schedule(() => {
      if (this.stopped || peer.outbound) return;
      this.connect(peer);
      this.changed(peer);
    });
    logger.debug(`reconnecting to ${peer.id} in ${delay} ms`);
  }

  private mergeHistory(peer: RemotePeer, messages: unknown): { total: number; added: number } {
    const { history, logger } = this.options;
    const checked = checkHistoryPayload(messages, this.options.config.history.maxMessageBytes);
    if (checked.invalid.length > 0) {
      logger.warn(`history from ${peer.id}: skipped ${checked.invalid.length} invalid entries, ` +
        `e.g. ${checked.invalid.slice(0, 3).join("; ")}`);
    }
    let added = 0;
    for (const [id, entry] of checked.valid) {
      if (history.add(id, entry) === "added") added += 1;
    }
    return { total: checked.valid.length + checked.invalid.length, added };
  }

  /** Sends the queue head, waits for its ack, repeats; one in flight per connection (PROTOCOL.md). */
  private async pump(peer: RemotePeer): Promise<void> {
    if (peer.pumping) return;
    peer.pumping = true;
    const { logger, config } = this.options;
    try {
      for (;;) {
        const connection = peer.outbound;
        const head = peer.queue[0];
        if (!connection?.ready || !head) return;
        head.attempts += 1;
        const { message } = head;
        const sentAt = this.now();
        let result;
        try {
          result = await connection.request({
            command: "new_message",
            message_id: message.id,
            message: message.message,
            // PROTOCOL.md "What real peers do": one peer refuses new_message without it.
            peer_id: config.peerId,
          }, peer.ackTimeoutMs);
        } catch (reason) {
          if ((reason as CloseReason).code === "E_ACK_TIMEOUT") {
            peer.ackTimeoutMs = Math.min(peer.ackTimeoutMs * ACK_TIMEOUT_GROWTH, config.tcp.ackTimeoutMs * ACK_TIMEOUT_CAP);
          }
          // The connection ended; the message stays queued for the next one unless it has had
          // its chances (a peer that never acks must not be sent the same message forever).
          const allowed = peer.everAcked ? config.tcp.maxSendAttempts : Math.min(ATTEMPTS_UNTIL_FIRST_ACK, config.tcp.maxSendAttempts);
          if (head.attempts >= allowed && peer.queue[0] === head) {
            peer.queue.shift();
            logger.warn(`message ${message.id} to ${peer.id} dropped after ${head.attempts} attempts without an ack`);
            this.changed(peer);
          }
          return;
        }
        peer.everAcked = true;
        // Acks come quickly again: come back down towards the configured wait.
        if ((this.now() - sentAt) * ACK_TIMEOUT_GROWTH < peer.ackTimeoutMs) {
          peer.ackTimeoutMs = Math.max(config.tcp.ackTimeoutMs, Math.round(peer.ackTimeoutMs / 2));
        }
        if (peer.queue[0] === head) peer.queue.shift();
        this.changed(peer);
        if (result.ok) logger.debug(`message ${message.id} acked by ${peer.id}`);
        else logger.warn(`message ${message.id} refused by ${peer.id}: ${result.message}`);
      }
    } finally {
      peer.pumping = false;
    }
  }
}
