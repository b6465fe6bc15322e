/**
 * Counters of what happens (docs/architecture.md habit 12, after hyperswarm's `stats`): frames in and out,
 * messages stored and acked, and every refusal, drop and closed connection by its stable code.
 * Operators read them at GET /stats; tests assert on them instead of on log text.
 */

export interface Counters {
  /** Frames decoded from a peer's connections (bad ones included). */
  framesIn: number;
  /** Frames we wrote to a peer's connections. */
  framesOut: number;
  /** Messages new to our history: from this peer's new_message or hello reply (in total also ours). */
  messagesStored: number;
  /** Our messages this peer acked with {"status":"ok"}. */
  messagesAcked: number;
  /** Copies of others' messages queued for peers of another segment (peers/relay.ts); in total only. */
  messagesRelayed: number;
  /** Messages our bridge published on its libp2p room (src/bridge/); in total only. */
  bridgePublished: number;
  /** Chat messages from the room that passed the bridge's checks and the intake (new or known already). */
  bridgeReceived: number;
  /** Messages from the room not taken: unusable payloads (rejected in gossipsub) and ones the intake refused. */
  bridgeRejected: number;
  /** Messages new to our history from other bridges' catch-up replies. */
  bridgeCaughtUp: number;
  /** What we answered with an error or turned away, by our error code (E_NOT_INTRODUCED, E_TOO_MANY_CONNECTIONS, ...). */
  refused: Record<string, number>;
  /**
   * What we gave up on, by reason: our messages for a peer (E_QUEUE_FULL, E_NO_ACK, E_REFUSED_BY_PEER),
   * entries of a received history (E_BAD_HISTORY_ENTRY), peers (E_TABLE_FULL, E_EVICTED).
   */
  dropped: Record<string, number>;
  /** Connections that ended, by the code of why (E_WRITE_BUFFER_FULL, ECONNREFUSED, E_ACK_TIMEOUT, ...). */
  closed: Record<string, number>;
}

export type CountField = "framesIn" | "framesOut" | "messagesStored" | "messagesAcked" | "messagesRelayed"
  | "bridgePublished" | "bridgeReceived" | "bridgeRejected" | "bridgeCaughtUp";
export type ReasonField = "refused" | "dropped" | "closed";

/** GET /stats: the totals and the same counters per peer_id. */
export interface StatsSnapshot {
  total: Counters;
  peers: Record<string, Counters>;
}

/** What the parts that count are given: a way to count, not the counters themselves. */
export interface StatsSink {
  /** Adds to a counter, in total and, if `peerId` is given, for that peer. */
  count(field: CountField, peerId?: string, n?: number): void;
  /** Adds one to a counter by reason code, in total and for `peerId` if given. */
  countReason(field: ReasonField, code: string, peerId?: string, n?: number): void;
}

/** Peers counted separately at most; a flood of made-up peer_ids must not grow this without end. */
const DEFAULT_MAX_PEERS = 1_000;
/** Codes come from our own catalogue and the OS, but a bug must not turn them into a memory leak. */
const MAX_CODES = 64;
const MAX_CODE_LENGTH = 40;

function emptyCounters(): Counters {
  return {
    framesIn: 0, framesOut: 0, messagesStored: 0, messagesAcked: 0, messagesRelayed: 0,
    bridgePublished: 0, bridgeReceived: 0, bridgeRejected: 0, bridgeCaughtUp: 0,
    refused: {}, dropped: {}, closed: {},
  };
}

export class Stats implements StatsSink {
  private readonly total = emptyCounters();
  /** Least recently counted first: the first to be forgotten when there are too many. */
  private readonly perPeer = new Map<string, Counters>();
  /** The peer counted last, already last in perPeer, and its counters: a message counts its peer
   *  three times in a row (frame in, stored, frame out), and moving it to the end again each time
   *  was a delete and a set of the Map per count. Two fields, not an object: a sender's acks
   *  switch peers at every frame. */
  private latestPeerId: string | undefined;
  private latestCounters: Counters | undefined;

  constructor(private readonly maxPeers = DEFAULT_MAX_PEERS) {}

  count(field: CountField, peerId?: string, n = 1): void {
    this.total[field] += n;
    if (peerId !== undefined) this.peer(peerId)[field] += n;
  }

  countReason(field: ReasonField, code: string, peerId?: string, n = 1): void {
    const key = code.slice(0, MAX_CODE_LENGTH);
    addTo(this.total[field], key, n);
    if (peerId !== undefined) addTo(this.peer(peerId)[field], key, n);
  }

  snapshot(): StatsSnapshot {
    const peers: Record<string, Counters> = {};
    // Sorted, so the JSON reads the same from one call to the next.
    for (const id of [...this.perPeer.keys()].sort()) peers[id] = copy(this.perPeer.get(id) as Counters);
    return { total: copy(this.total), peers };
  }

  /** One peer's counters as they are now; zeros for a peer never counted. */
  forPeer(peerId: string): Counters {
    const counters = this.perPeer.get(peerId);
    return counters ? copy(counters) : emptyCounters();
  }

  get totals(): Counters {
    return copy(this.total);
  }

  private peer(peerId: string): Counters {
    if (this.latestPeerId === peerId && this.latestCounters !== undefined) return this.latestCounters;
    let counters = this.perPeer.get(peerId);
    if (counters) {
      this.perPeer.delete(peerId);
    } else {
      counters = emptyCounters();
      if (this.perPeer.size >= this.maxPeers) {
        const oldest = this.perPeer.keys().next().value;
        if (oldest !== undefined) this.perPeer.delete(oldest);
      }
    }
    this.perPeer.set(peerId, counters);
    this.latestPeerId = peerId;
    this.latestCounters = counters;
    return counters;
  }
}

function addTo(record: Record<string, number>, code: string, n: number): void {
  if (Object.hasOwn(record, code)) record[code] = (record[code] as number) + n;
  else if (Object.keys(record).length < MAX_CODES) record[code] = n;
  else record.other = (record.other ?? 0) + n;
}

function copy(counters: Counters): Counters {
  return { ...counters, refused: { ...counters.refused }, dropped: { ...counters.dropped }, closed: { ...counters.closed } };
}

/** The code at the start of one of our error replies ("E_NOT_INTRODUCED: send hello first"). */
export function errorCode(message: unknown): string {
  return typeof message === "string" ? /^(E_[A-Z_]+)/.exec(message)?.[1] ?? "E_OTHER" : "E_OTHER";
}

/** For parts used without counters (unit tests of other things). */
export const NO_STATS: StatsSink = { count() {}, countReason() {} };
