import { EventEmitter } from "node:events";
import { compareMessageIds, isMessageId, MessageIdClock, normalizeMessageId } from "../protocol/message-id.js";
import { isOverBytes } from "../protocol/message-size.js";

/** One chat message as the protocol stores it (docs/protocol.md §3). */
export interface ChatMessage {
  peer_id: string;
  message: string;
}

export interface StoredMessage extends ChatMessage {
  id: string;
  /** The address of the host that delivered it to us; absent for our own messages. A message's
   *  peer_id is a claim, not a proof (docs/protocol.md "Some peers relay"): this is what we saw. */
  via?: string;
}

/** "clash": the id holds another text: two clocks stamped one millisecond (or a peer changed the text). */
export type AddResult = "added" | "duplicate" | "clash" | "too-old";

interface HistoryEvents {
  /** A message new to us, from any source. */
  message: [StoredMessage];
}

/** A message as the history holds it: what peers are shown, and who delivered it (StoredMessage.via). */
interface Held {
  chat: ChatMessage;
  via: string | undefined;
}

/**
 * What one host delivered: each author's ids, ascending, with their total and their oldest kept
 * beside them, so that choosing whose share gives a message up (victimFor, at every message once
 * the history is full) looks at one figure per host, not at every author of every host.
 */
class HostShare {
  readonly authors = new Map<string, string[]>();
  count = 0;
  /** The oldest id of all its authors; undefined once a removal may have changed it. */
  private knownOldest: string | undefined;

  constructor(readonly host: string) {}

  add(author: string, id: string): void {
    insertInto(this.authors, author, id);
    this.count++;
    if (this.count === 1 || (this.knownOldest !== undefined && compareMessageIds(id, this.knownOldest) < 0)) this.knownOldest = id;
  }

  remove(author: string, id: string): void {
    const ids = this.authors.get(author);
    if (ids === undefined || !removeFromList(ids, id)) return;
    if (ids.length === 0) this.authors.delete(author);
    this.count--;
    if (id === this.knownOldest) this.knownOldest = undefined;
  }

  get oldest(): string | undefined {
    if (this.knownOldest === undefined) {
      for (const ids of this.authors.values()) {
        const first = ids[0] as string;
        if (this.knownOldest === undefined || compareMessageIds(first, this.knownOldest) < 0) this.knownOldest = first;
      }
    }
    return this.knownOldest;
  }
}

/**
 * The chat history: messages keyed by id, kept once each (first one wins), at most `limit` of
 * them (docs/protocol.md §3), in id order. Ids arrive mostly in order, so the sorted id list is
 * appended to far more often than searched.
 *
 * Which message goes when the history is full is fair, not simply the oldest: the host that
 * delivered the most gives one up, and among its messages the author who holds the most gives up
 * their oldest (victimFor). docs/protocol.md §3 says "the newest 100 by id", and
 * in a room where people take turns that is what this keeps; but one peer that floods, or whose
 * clock runs behind, must not push everyone else's messages out (docs/interop-and-robustness.md). A message
 * that would itself be the one to go (its author holds the most, and it is older than all of
 * theirs) is "too-old" and not stored.
 */
export class History extends EventEmitter<HistoryEvents> {
  /** Each message with who delivered it, in one map: storing or dropping one is one set or delete. */
  private readonly byId = new Map<string, Held>();
  /** Ids in ascending numeric order. */
  private readonly order: string[] = [];
  /** Each author's ids, ascending, grouped by the host that delivered them ("" for our own and
   *  unknown): who holds how many, and which is their oldest. Not kept a second time by author
   *  alone: that index cost every message stored a lookup and a list update, for what is asked
   *  once per own message and per refusal (newestOf, shares). */
  private readonly byHost = new Map<string, HostShare>();
  /** byHost's shares in an array, walked without an iterator or an entry array per host. */
  private readonly hostShares: HostShare[] = [];
  private readonly clock: MessageIdClock;

  constructor(private cap: number, now: () => number = Date.now) {
    super();
    checkLimit(cap);
    this.clock = new MessageIdClock(now);
  }

  get limit(): number {
    return this.cap;
  }

  /** A new cap (config reload): a smaller one drops the oldest messages at once. */
  setLimit(limit: number): void {
    checkLimit(limit);
    this.cap = limit;
    this.evictOverflow();
  }

  /** What may change while running (config reload): the limit. */
  reconfigure(settings: { limit?: number }): void {
    if (settings.limit !== undefined) this.setLimit(settings.limit);
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): ChatMessage | undefined {
    return this.byId.get(id)?.chat;
  }

  /**
   * What `id` holds already: this message ("duplicate"), another text ("clash": the first copy
   * wins, docs/protocol.md §3), or nothing (undefined). The author is not compared: a relayed
   * copy may name the relay, as most peers store it (docs/interop-and-robustness.md), and is
   * still the same message.
   */
  holds(id: string, entry: ChatMessage): "duplicate" | "clash" | undefined {
    const held = this.byId.get(id);
    if (held === undefined) return undefined;
    return held.chat.message === entry.message ? "duplicate" : "clash";
  }

  /** Stores one message unless its id is taken already or it would itself be the one to make room. */
  add(id: string, entry: ChatMessage, via?: string): AddResult {
    if (!isMessageId(id)) throw new RangeError(`not a message id: ${id}`);
    const taken = this.holds(id, entry);
    if (taken !== undefined) return taken;
    if (this.order.length >= this.cap) {
      const victim = this.victimFor({ host: via ?? "", author: entry.peer_id, id });
      if (victim === undefined) return "too-old";
      this.remove(victim);
    }
    this.byId.set(id, { chat: { peer_id: entry.peer_id, message: entry.message }, via });
    insertSorted(this.order, id);
    const host = via ?? "";
    let hostShare = this.byHost.get(host);
    if (!hostShare) {
      this.byHost.set(host, (hostShare = new HostShare(host)));
      this.hostShares.push(hostShare);
    }
    hostShare.add(entry.peer_id, id);
    this.evictOverflow();
    const { peer_id: author, message } = entry;
    this.emit("message", via !== undefined ? { id, peer_id: author, message, via } : { id, peer_id: author, message });
    return "added";
  }

  /** Stores a message of our own under a fresh id that no known message uses. */
  addOwn(peerId: string, message: string): StoredMessage {
    // After our own newest: a clock stepped back (or a history file from a faster clock) must
    // not make our new message older than our old ones, the first to go when the history is full.
    const newestOwn = this.newestOf(peerId);
    let id = this.clock.next(newestOwn);
    while (this.byId.has(id)) id = this.clock.next();
    this.add(id, { peer_id: peerId, message });
    return { id, peer_id: peerId, message };
  }

  /** Oldest first, as `GET /messages` and the hello reply carry it. */
  toJSON(): Record<string, ChatMessage> {
    const out: Record<string, ChatMessage> = {};
    for (const id of this.order) {
      const held = this.byId.get(id);
      if (held) out[id] = held.chat;
    }
    return out;
  }

  list(): StoredMessage[] {
    return this.order.map((id) => {
      const { chat, via } = this.byId.get(id) as Held;
      return via !== undefined ? { id, ...chat, via } : { id, ...chat };
    });
  }

  /** How many messages each author holds (the fair share the eviction keeps). */
  shares(): Map<string, number> {
    const shares = new Map<string, number>();
    for (const share of this.hostShares) {
      for (const [author, ids] of share.authors) shares.set(author, (shares.get(author) ?? 0) + ids.length);
    }
    return shares;
  }

  /** The newest id `author` holds, over every host that delivered theirs. */
  private newestOf(author: string): string | undefined {
    let newest: string | undefined;
    for (const share of this.hostShares) {
      const last = share.authors.get(author)?.at(-1);
      if (last !== undefined && (newest === undefined || compareMessageIds(last, newest) > 0)) newest = last;
    }
    return newest;
  }

  private evictOverflow(): void {
    while (this.order.length > this.cap) {
      const victim = this.victimFor(undefined);
      if (victim === undefined) return;
      this.remove(victim);
    }
  }

  /**
   * The message that makes room for a newcomer (or, with none, the one that goes when the limit
   * shrinks). Fair twice over: first the host that delivered the most messages gives one up, so
   * that one address cannot push the others out whatever author names it claims (a relay brings
   * a whole other site's messages: that site then keeps a host's share); then, among what that
   * host delivered, the author who holds the most gives up their oldest. Counts include the
   * newcomer; among equals the older oldest goes. Undefined when that is the newcomer itself.
   */
  private victimFor(newcomer: { host: string; author: string; id: string } | undefined): string | undefined {
    // Plain loops, no closures or temporary arrays: this runs for every message stored once the
    // history is full (a perf profile of the delivery benchmark had it at 2 % of all CPU).
    // 1. Whose share: the host with the most.
    let host: string | undefined;
    let hostCount = 0;
    let hostOldest: string | undefined;
    const shares = this.hostShares;
    for (let i = 0; i < shares.length; i++) {
      const share = shares[i] as HostShare;
      const key = share.host;
      let count = share.count;
      let oldest = share.oldest;
      if (newcomer !== undefined && newcomer.host === key) {
        count += 1;
        if (oldest === undefined || compareMessageIds(newcomer.id, oldest) < 0) oldest = newcomer.id;
      }
      if (oldest !== undefined && givesUpFirst(count, oldest, hostCount, hostOldest)) {
        host = key;
        hostCount = count;
        hostOldest = oldest;
      }
    }
    // A host that delivered nothing we hold yet: the newcomer alone.
    if (newcomer !== undefined && !this.byHost.has(newcomer.host) && givesUpFirst(1, newcomer.id, hostCount, hostOldest)) {
      host = newcomer.host;
    }
    if (host === undefined) return undefined;

    // 2. Within that host's share: the author with the most gives up their oldest.
    let victim: string | undefined;
    let most = 0;
    const authors = this.byHost.get(host)?.authors;
    const counted = newcomer !== undefined && newcomer.host === host ? newcomer : undefined;
    if (authors !== undefined) {
      for (const [who, ids] of authors) {
        let count = ids.length;
        let oldest = ids[0] as string;
        if (counted !== undefined && who === counted.author) {
          count += 1;
          if (compareMessageIds(counted.id, oldest) < 0) oldest = counted.id;
        }
        if (givesUpFirst(count, oldest, most, victim)) {
          most = count;
          victim = oldest;
        }
      }
    }
    // An author that host brought us nothing of yet: the newcomer alone.
    if (counted !== undefined && authors?.has(counted.author) !== true && givesUpFirst(1, counted.id, most, victim)) {
      victim = counted.id;
    }
    return victim === newcomer?.id ? undefined : victim;
  }

  private remove(id: string): void {
    const held = this.byId.get(id);
    if (!held) return;
    const entry = held.chat;
    const host = held.via ?? "";
    this.byId.delete(id);
    removeFromList(this.order, id);
    const hostShare = this.byHost.get(host);
    if (hostShare) {
      hostShare.remove(entry.peer_id, id);
      if (hostShare.count === 0) {
        this.byHost.delete(host);
        this.hostShares.splice(this.hostShares.indexOf(hostShare), 1);
      }
    }
  }
}

/**
 * Whether a share of `count` messages whose oldest is `oldest` gives one up before the one chosen
 * so far (`bestCount`, `bestOldest`; none yet: 0 and undefined): it holds more, or as many and
 * older ones.
 */
function givesUpFirst(count: number, oldest: string, bestCount: number, bestOldest: string | undefined): boolean {
  return count > bestCount || (count === bestCount && bestOldest !== undefined && compareMessageIds(oldest, bestOldest) < 0);
}

/** Adds `id` to the ascending list under `key`. */
function insertInto(lists: Map<string, string[]>, key: string, id: string): void {
  const ids = lists.get(key);
  if (ids) insertSorted(ids, id);
  else lists.set(key, [id]);
}

/** Adds `id` to ascending `ids`: nearly always at the end (ids come mostly in order), a push. */
function insertSorted(ids: string[], id: string): void {
  const at = insertionIndex(ids, id);
  if (at === ids.length) ids.push(id);
  else ids.splice(at, 0, id);
}

/**
 * Removes `id` from ascending `ids`; false if it is not there. What goes is nearly always the
 * oldest (fair eviction gives up a share's oldest), so that is tried first: no search, and
 * `shift` rather than `splice`.
 */
function removeFromList(ids: string[], id: string): boolean {
  if (ids[0] === id) {
    ids.shift();
    return true;
  }
  const at = insertionIndex(ids, id);
  if (ids[at] !== id) return false;
  ids.splice(at, 1);
  return true;
}

/** Where `id` is, or would go, in ascending `ids`. */
function insertionIndex(ids: readonly string[], id: string): number {
  const last = ids[ids.length - 1];
  if (last === undefined || compareMessageIds(id, last) > 0) return ids.length;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareMessageIds(ids[mid] as string, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit ${limit}`);
}

export interface HistoryPayloadCheck {
  valid: Array<[string, ChatMessage]>;
  /** One short reason per rejected entry, for the log (the first MAX_REASONS of them). */
  invalid: string[];
  /** Entries rejected, all of them. */
  invalidCount: number;
  /** Entries beyond maxEntries, not looked at. */
  unexamined: number;
}

const MAX_REASONS = 100;

/**
 * Picks the usable entries out of a history received in a hello reply. Peers send ids shorter
 * than 13 digits and other oddities there (docs/protocol.md "What real peers do"): those entries are
 * skipped, the rest is kept. At most `maxEntries` are looked at: a reply is a peer's history of
 * about 100 messages, and the work one reply may cost us is bounded however large it is.
 */
export function checkHistoryPayload(raw: unknown, maxMessageBytes = Infinity, maxEntries = Infinity): HistoryPayloadCheck {
  const result: HistoryPayloadCheck = { valid: [], invalid: [], invalidCount: 0, unexamined: 0 };
  const reject = (reason: string) => {
    result.invalidCount++;
    if (result.invalid.length < MAX_REASONS) result.invalid.push(reason);
  };
  if (raw === undefined) return result;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    reject("messages is not an object");
    return result;
  }
  let examined = 0;
  for (const id in raw) {
    if (!Object.hasOwn(raw, id)) continue;
    if (examined++ >= maxEntries) {
      result.unexamined++;
      continue;
    }
    const entry = (raw as Record<string, unknown>)[id];
    const shownId = JSON.stringify(id.length > 40 ? id.slice(0, 40) + "…" : id);
    const canonical = normalizeMessageId(id);
    if (canonical === undefined) {
      reject(`${shownId}: id is not 13+ digits`);
    } else if (typeof entry !== "object" || entry === null) {
      reject(`${shownId}: entry is not an object`);
    } else {
      const { peer_id: peerId, message } = entry as Record<string, unknown>;
      if (typeof peerId !== "string" || peerId.length === 0) {
        reject(`${shownId}: peer_id is not a non-empty string`);
      } else if (typeof message !== "string") {
        reject(`${shownId}: message is not a string`);
      } else if (isOverBytes(message, maxMessageBytes)) {
        reject(`${shownId}: message over ${maxMessageBytes} bytes`);
      } else {
        result.valid.push([canonical, { peer_id: peerId, message }]);
      }
    }
  }
  return result;
}
