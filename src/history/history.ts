import { EventEmitter } from "node:events";
import { compareMessageIds, isMessageId, MessageIdClock, normalizeMessageId } from "../protocol/message-id.js";

/** One chat message as the protocol stores it (PROTOCOL.md §3). */
export interface ChatMessage {
  peer_id: string;
  message: string;
}

export interface StoredMessage extends ChatMessage {
  id: string;
}

export type AddResult = "added" | "duplicate" | "too-old";

interface HistoryEvents {
  /** A message new to us, from any source. */
  message: [StoredMessage];
}

/**
 * The chat history: messages keyed by id, kept once each (first one wins), only the newest
 * `limit` by id (PROTOCOL.md §3). Ids arrive mostly in order, so the sorted id list is appended
 * to far more often than searched.
 */
export class History extends EventEmitter<HistoryEvents> {
  private readonly byId = new Map<string, ChatMessage>();
  /** Ids in ascending numeric order. */
  private readonly order: string[] = [];
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

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): ChatMessage | undefined {
    return this.byId.get(id);
  }

  /** Stores one message unless it is known already or older than everything the cap keeps. */
  add(id: string, entry: ChatMessage): AddResult {
    if (!isMessageId(id)) throw new RangeError(`not a message id: ${id}`);
    if (this.byId.has(id)) return "duplicate";
    const oldest = this.order[0];
    if (this.order.length >= this.limit && oldest !== undefined && compareMessageIds(id, oldest) < 0) {
      return "too-old";
    }
    this.byId.set(id, { peer_id: entry.peer_id, message: entry.message });
    this.order.splice(this.insertionIndex(id), 0, id);
    this.evictOverflow();
    this.emit("message", { id, peer_id: entry.peer_id, message: entry.message });
    return "added";
  }

  /** Stores a message of our own under a fresh id that no known message uses. */
  addOwn(peerId: string, message: string): StoredMessage {
    let id = this.clock.next();
    while (this.byId.has(id)) id = this.clock.next();
    this.add(id, { peer_id: peerId, message });
    return { id, peer_id: peerId, message };
  }

  /** Oldest first, as `GET /messages` and the hello reply carry it. */
  toJSON(): Record<string, ChatMessage> {
    const out: Record<string, ChatMessage> = {};
    for (const id of this.order) {
      const entry = this.byId.get(id);
      if (entry) out[id] = entry;
    }
    return out;
  }

  list(): StoredMessage[] {
    return this.order.map((id) => ({ id, ...(this.byId.get(id) as ChatMessage) }));
  }

  private evictOverflow(): void {
    const excess = this.order.length - this.cap;
    if (excess <= 0) return;
    for (const evicted of this.order.splice(0, excess)) this.byId.delete(evicted);
  }

  private insertionIndex(id: string): number {
    const last = this.order[this.order.length - 1];
    if (last === undefined || compareMessageIds(id, last) > 0) return this.order.length;
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareMessageIds(this.order[mid] as string, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`history limit ${limit}`);
}

export interface HistoryPayloadCheck {
  valid: Array<[string, ChatMessage]>;
  /** One short reason per rejected entry, for the log. */
  invalid: string[];
}

/**
 * Picks the usable entries out of a history received in a hello reply. Peers send ids shorter
 * than 13 digits and other oddities there (PROTOCOL.md "What real peers do"): those entries are
 * skipped, the rest is kept.
 */
export function checkHistoryPayload(raw: unknown, maxMessageBytes = Infinity): HistoryPayloadCheck {
  const result: HistoryPayloadCheck = { valid: [], invalid: [] };
  if (raw === undefined) return result;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    result.invalid.push("messages is not an object");
    return result;
  }
  for (const [key, entry] of Object.entries(raw)) {
    const shownId = JSON.stringify(key.length > 40 ? key.slice(0, 40) + "…" : key);
    // Canonical, so that "0N" in one history and "N" in another are one message (message-id.ts).
    const id = normalizeMessageId(key);
    if (id === undefined) {
      result.invalid.push(`${shownId}: id is not 13+ digits`);
    } else if (typeof entry !== "object" || entry === null) {
      result.invalid.push(`${shownId}: entry is not an object`);
    } else {
      const { peer_id: peerId, message } = entry as Record<string, unknown>;
      if (typeof peerId !== "string" || peerId.length === 0) {
        result.invalid.push(`${shownId}: peer_id is not a non-empty string`);
      } else if (typeof message !== "string") {
        result.invalid.push(`${shownId}: message is not a string`);
      } else if (Buffer.byteLength(message) > maxMessageBytes) {
        result.invalid.push(`${shownId}: message over ${maxMessageBytes} bytes`);
      } else {
        result.valid.push([id, { peer_id: peerId, message }]);
      }
    }
  }
  return result;
}
