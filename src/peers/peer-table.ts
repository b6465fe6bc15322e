import { EventEmitter } from "node:events";
import { afterThisTurn } from "../after-turn.js";
import type { StoredMessage } from "../history/history.js";
import { FloodSummary } from "../log/flood-summary.js";
import { LogThrottle } from "../log/throttle.js";
import { TokenBucket, TokenBuckets } from "../policy/token-bucket.js";
import { NO_STATS, type StatsSink } from "../stats/stats.js";
import type { CloseReason } from "./framed-socket.js";
import type { RelayCandidate } from "./relay.js";
import { disconnectedFromUs, Peer, PEER_DEFAULTS, type InboundConnection, type PeerCollaborators, type PeerInfo, type PeerSettings, type SeenVia } from "./peer.js";

export type { PeerInfo, SeenVia } from "./peer.js";

export interface PeerTableSettings extends PeerSettings {
  /** Peers held at most ([DISCOVERY] max_peers): a flood of made-up peer_ids must not grow it without end. */
  maxPeers: number;
  /** Peer ids one address may hold: one host runs one peer, or a few in turn. */
  maxIdsPerAddress: number;
}

const DEFAULTS: Omit<PeerTableSettings, "ownPeerId"> = { ...PEER_DEFAULTS, maxPeers: 1_000, maxIdsPerAddress: 4 };

export interface PeerTableCollaborators extends PeerCollaborators {
  /** True for an address at which a peer would be our own server (see local-address.ts). */
  isOwnAddress?: (address: string) => boolean;
}

interface PeerTableEvents {
  /** Something in this peer's PeerInfo changed (for the peers panel and GET /events). */
  change: [PeerInfo];
  /** A peer answered our hello with its history (docs/protocol.md §2), for the history intake. */
  history: [peerId: string, messages: unknown, host: string];
}

/** Evictions for newcomers while the table is full: at once, then per second. */
const EVICTION_BURST = 50;
const EVICTIONS_PER_SECOND = 10;
/** Peers one address may replace at once (then one a second). */
const REPLACEMENTS_PER_ADDRESS = 8;
/** Per-address admission buckets kept at most (quiet, full ones are forgotten beyond it). */
const MAX_ADMISSION_BUCKETS = 4_096;
/** How often "table full" is said while a flood goes on. */
const FULL_WARNING_INTERVAL_MS = 60_000;

/**
 * Every peer we know, keyed by peer_id (docs/architecture.md habit 5). It decides only who is
 * held: it admits a peer within max_peers and the ids one address may hold, making room by
 * evicting an idle peer that never completed a hello before any that did (evictIdle), at a
 * bounded rate (makeRoom), and it settles which address a peer_id belongs to when two
 * disagree (the one where it was proven, until that falls silent). Everything
 * about one peer (its connection, retries, queue) is that Peer's own (peer.ts).
 */
export class PeerTable extends EventEmitter<PeerTableEvents> {
  private readonly peers = new Map<string, Peer>();
  /** How many of them each address holds: asked at every admission, so counted, not searched for. */
  private readonly idsAtHost = new Map<string, number>();
  private settings: PeerTableSettings;
  private readonly now: () => number;
  private readonly stats: StatsSink;
  private stopped = false;
  private readonly fullWarnings: LogThrottle;
  /** Same peer_id at two hosts: said once per host and id. */
  private readonly clashWarnings: LogThrottle;
  /** "forgot peer" (and, for each peer, its "cannot connect" and "gone" lines until it answers
   *  a hello): a handful a minute, then a count (a flood of made-up ids). */
  private readonly foundLog: FloodSummary;
  /** Replacements each address may make (makeRoom). */
  private readonly replacements: TokenBuckets;
  private readonly evictions: TokenBucket;
  private peersRevision = 0;

  constructor(
    private readonly collaborators: PeerTableCollaborators,
    settings: Partial<PeerTableSettings> & Pick<PeerTableSettings, "ownPeerId">,
  ) {
    super();
    this.settings = { ...DEFAULTS, ...settings };
    this.now = collaborators.now ?? Date.now;
    this.stats = collaborators.stats ?? NO_STATS;
    this.fullWarnings = new LogThrottle(FULL_WARNING_INTERVAL_MS, this.now);
    this.clashWarnings = new LogThrottle(Infinity, this.now);
    this.replacements = new TokenBuckets({ capacity: REPLACEMENTS_PER_ADDRESS, refillPerSecond: 1, now: this.now }, MAX_ADMISSION_BUCKETS);
    this.evictions = new TokenBucket({ capacity: EVICTION_BURST, refillPerSecond: EVICTIONS_PER_SECOND, now: this.now });
    this.foundLog = new FloodSummary(collaborators.logger, { linesPerInterval: 20, intervalMs: 60_000, now: this.now });
  }

  /** New limits and timeouts (config reload), for the table and every peer in it. */
  reconfigure(settings: Partial<Omit<PeerTableSettings, "ownPeerId">>): void {
    this.settings = { ...this.settings, ...settings };
    const { maxPeers: _maxPeers, maxIdsPerAddress: _maxIds, ...perPeer } = settings;
    for (const peer of this.peers.values()) peer.reconfigure(perPeer);
  }

  /** A sign of life from a peer: connect to it if we have no connection (docs/protocol.md §1, §2). */
  seen(peerId: string, host: string, via: SeenVia): void {
    if (this.stopped || peerId === this.settings.ownPeerId) return;
    const { logger } = this.collaborators;
    let peer = this.peers.get(peerId);
    // Asked only of a host new to this peer: a peer heard again where it was (every hello, from
    // every peer) was asked when it came, and the question can take a reading of the interfaces.
    if (peer?.host !== host && this.collaborators.isOwnAddress?.(host)) {
      logger.debug(`not connecting to ${peerId}: ${host} is this host, where our own server listens`);
      return;
    }
    if (!peer) {
      const refusal = this.makeRoom(host);
      if (refusal) {
        this.stats.countReason("dropped", "E_TABLE_FULL");
        if (this.fullWarnings.allows()) logger.warn(`ignoring peer ${peerId} at ${host}: ${refusal}`);
        return;
      }
      peer = this.admit(peerId, host, via);
      // At info a peer's first line is its connection, which says how it was found (peer.ts): the
      // "found" a few ms before it was a third of the lines a joining classmate cost every peer of
      // the room, each a write and a wake-up of journald (bench/analysis.md). One that cannot be
      // reached gets its "cannot connect" line, summed up in a flood like this one used to be.
      if (logger.enabled("debug")) logger.debug(`peer found: ${peerId} at ${host} (${via})`);
    } else if (peer.host !== host && via !== "tcp-hello") {
      // (A TCP hello from another address proves the peer alive, not that it moved: a connection's
      // source address need not be the address a peer announces from, on a host with several.)
      if (!peer.mayMoveAway()) {
        // Two hosts with one peer_id: two students kept the same default name, or one announces
        // a classmate's name while the classmate restarts. Stay where the peer was proven to be
        // until nothing has come from there for peer_timeout, and show the clash.
        peer.clashWith(host);
        this.stats.countReason("refused", "E_PEER_ID_CLASH", peerId);
        if (this.clashWarnings.allows(`${peerId}@${host}`)) {
          logger.warn(`peer_id ${peerId} is announced by ${host} too, while it is at ${peer.host}: ` +
            `two peers share one id; staying with ${peer.host}`);
        }
        return;
      }
      this.countAt(peer.host, -1);
      this.countAt(host, +1);
      peer.movedTo(host, via);
      this.peersRevision++;
    }
    peer.heard(via, host);
  }

  attachInbound(peerId: string, connection: InboundConnection): void {
    this.peers.get(peerId)?.attachInbound(connection);
  }

  /**
   * A connection `peerId` opened to us ended (`reason`; none when it introduced itself anew as
   * another). Its Peer says so; one the table no longer holds is said here. Nothing once stopped:
   * at shutdown we close those connections ourselves.
   */
  detachInbound(peerId: string, connection: InboundConnection, reason?: CloseReason): void {
    if (this.stopped) return;
    const peer = this.peers.get(peerId);
    if (peer) peer.detachInbound(connection, reason);
    else if (reason) {
      this.collaborators.logger.info(disconnectedFromUs(peerId, connection.remoteAddress, reason));
    }
  }

  /** Queues one of our messages for every known peer; returns how many peers it is queued for. */
  broadcast(message: StoredMessage): number {
    for (const peer of this.peers.values()) peer.enqueue(message);
    return this.peers.size;
  }

  /** Queues a relayed message for the peers the relay rule chose (peers/relay.ts). */
  forward(message: StoredMessage, peerIds: readonly string[]): number {
    let count = 0;
    for (const id of peerIds) {
      const peer = this.peers.get(id);
      if (!peer) continue;
      peer.enqueue(message);
      count++;
    }
    return count;
  }

  /** Every peer, as the relay rule sees it (no copy: the rule runs for every message stored). */
  relayCandidates(): Iterable<RelayCandidate> {
    return this.peers.values();
  }

  /**
   * Changes whenever a peer is admitted or forgotten or its host changes: what is worked out from
   * the peers' hosts (the node's "is everyone on one segment") holds while it stays the same.
   */
  get revision(): number {
    return this.peersRevision;
  }

  /**
   * Whether a new_message delivered from `address` may be stored under the author it names in
   * its `peer_id` field: not when that peer_id is one we hold at another address, where it
   * speaks for itself (a relay that forwards a classmate's message to us finds the classmate
   * already has, and a neighbour cannot put words in a known classmate's mouth).
   */
  mayBeAuthorFrom(peerId: string, address: string): boolean {
    if (peerId === this.settings.ownPeerId) return false;
    const known = this.peers.get(peerId);
    return known === undefined || known.host === address;
  }

  list(): PeerInfo[] {
    return [...this.peers.values()].map((peer) => peer.info());
  }

  get size(): number {
    return this.peers.size;
  }

  /** Sums up the lines the flood summary held back (the node calls it now and then). */
  flushLog(): void {
    this.foundLog.flush();
  }

  stop(): void {
    this.stopped = true;
    for (const peer of this.peers.values()) peer.close({ code: "E_SHUTDOWN", message: "shutting down" });
  }

  private admit(peerId: string, host: string, via: SeenVia): Peer {
    const { maxPeers: _maxPeers, maxIdsPerAddress: _maxIds, ...perPeer } = this.settings;
    // One "change" per peer per turn, once the code that changed it is done: a message queued,
    // sent and acked is three changes, and peer.info() (its reach, its connections) was computed
    // for each before the frame went out. Listeners see the state at the end of the turn.
    let changed = false;
    const onChange = () => {
      if (changed || this.stopped || this.listenerCount("change") === 0) return;
      changed = true;
      afterThisTurn(() => {
        changed = false;
        if (!this.stopped && this.listenerCount("change") > 0) this.emit("change", peer.info());
      });
    };
    const peer = new Peer(peerId, host, via, { ...this.collaborators, floodLog: this.foundLog, onChange }, perPeer);
    peer.on("history", (messages) => this.emit("history", peerId, messages, peer.host));
    this.peers.set(peerId, peer);
    this.countAt(host, +1);
    this.peersRevision++;
    return peer;
  }

  private countAt(host: string, change: 1 | -1): void {
    const count = (this.idsAtHost.get(host) ?? 0) + change;
    if (count > 0) this.idsAtHost.set(host, count);
    else this.idsAtHost.delete(host);
  }

  /**
   * Frees a place for a new peer at `host` if a limit is reached (the ids one address may hold,
   * max_peers), by evicting an idle peer (evictIdle); returns why there is no room, if there is none.
   *
   * Evicting to admit costs an eviction, a Peer and a connection attempt: a flood of made-up ids
   * (from one address, or from thousands of forged ones) must not make us churn through them. So
   * filling free places is not limited, but replacing is: one address at most
   * REPLACEMENTS_PER_ADDRESS at once and one a second, all addresses together EVICTION_BURST at
   * once and EVICTIONS_PER_SECOND. A room of 30 classmates joining at once, or a probe run again
   * and again from one host, stays well within both.
   */
  private makeRoom(host: string): string | undefined {
    const { maxPeers, maxIdsPerAddress } = this.settings;
    const atHost = this.idsAtHost.get(host) ?? 0;
    const hostFull = atHost >= maxIdsPerAddress;
    const tableFull = this.peers.size >= maxPeers;
    if (!hostFull && !tableFull) return undefined;
    if (!this.replacements.take(host)) return `${host} replaces its peer ids faster than one host does`;
    if (!this.evictions.take()) return "new peers arrive faster than the full table takes them";
    // Only now, at most EVICTIONS_PER_SECOND times a second, is the table searched: a flood of
    // made-up ids from one address costs a lookup each, not a walk through every peer.
    if (hostFull && !this.evictIdle([...this.peers.values()].filter((p) => p.host === host))) {
      return `${host} already announced ${atHost} peer ids that are still connected`;
    }
    if (this.peers.size >= maxPeers && !this.evictIdle([...this.peers.values()])) {
      return `the peer table is full (${maxPeers} peers, [DISCOVERY] max_peers)`;
    }
    return undefined;
  }

  /**
   * Evicts one peer without a working connection, to make room for one that has not proven
   * anything yet. A peer that completed a hello and was heard from within peer_timeout is never
   * the one to go: a flood of made-up ids must not push out a classmate who is restarting.
   * Among the rest, those never established go first, then the longest silent.
   */
  private evictIdle(candidates: Peer[]): boolean {
    const now = this.now();
    const idle = candidates
      .filter((p) => p.idle && !(p.established && now - p.lastSeen <= this.settings.peerTimeoutMs))
      .sort((a, b) => Number(a.established) - Number(b.established) || a.lastSeen - b.lastSeen)[0];
    if (!idle) return false;
    this.peers.delete(idle.id);
    this.countAt(idle.host, -1);
    this.peersRevision++;
    idle.close({ code: "E_EVICTED", message: "evicted from the peer table" });
    idle.removeAllListeners();
    this.stats.countReason("dropped", "E_EVICTED");
    this.foundLog.write("info", "evicted", "peers forgotten to make room", () => `forgot peer ${idle.id} at ${idle.host} ` +
      `to make room (silent for ${Math.round((now - idle.lastSeen) / 1000)} s)`);
    return true;
  }
}
