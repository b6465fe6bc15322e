import type { ErrorCode } from "../errors.js";
import { FloodSummary } from "../log/flood-summary.js";
import type { Logger } from "../log/logger.js";
import { DEFAULT_MAX_AHEAD_MS, judgeIdAgainstClock } from "../policy/id-clock.js";
import { TokenBuckets } from "../policy/token-bucket.js";
import { NO_STATS, type StatsSink } from "../stats/stats.js";
import { checkHistoryPayload, type AddResult, type ChatMessage, type History, type StoredMessage } from "./history.js";

/**
 * What the intake says of one message, at once, so that the ack tells the truth (docs/protocol.md §2:
 * `{"status":"ok"}` or `{"status":"error","message":...}`): ok means stored, or known already.
 */
export type Verdict =
  | { ok: true; outcome: Exclude<AddResult, "too-old" | "clash"> }
  | { ok: false; code: ErrorCode; message: string };

/** What became of a received history (a hello reply, docs/protocol.md §2; or the history file). */
export interface HistoryReport {
  /** Entries in it, usable or not, looked at or not. */
  total: number;
  /** Entries new to our history. */
  added: number;
  /** A few reasons why entries were unusable, for the log. */
  invalid: string[];
  /** Entries skipped: unusable, from the future, beyond what one reply may bring, or not kept. */
  skipped: number;
  /** Entries not kept because their id holds another message here (History.holds): one is lost. */
  clashes: number;
}

/** Where a message came from, as far as the intake judges it: the host that delivered it. */
export interface MessageSource {
  address?: string;
}

/** A peer's message, as new_message hands it over: stored under the peer_id of its connection. */
export type StoreMessage = (id: string, entry: ChatMessage, source?: MessageSource) => Verdict;

export interface IntakeOptions {
  /** Longest message text taken from a history, in UTF-8 bytes ([HISTORY] max_message_bytes). */
  maxMessageBytes: number;
  /** Ids further ahead of our clock than this are refused (policy/id-clock.ts). */
  maxIdAheadMs: number;
  /** New messages one peer_id, and one address, may bring per second on average... */
  peerRatePerSecond: number;
  /** ...and at once: a person pasting 30 lines must not notice. */
  peerBurst: number;
  /** Entries of one received history looked at: a multiple of the history limit is plenty. */
  maxHistoryEntries: number;
  now: () => number;
}

const DEFAULTS: IntakeOptions = {
  maxMessageBytes: 65_536,
  maxIdAheadMs: DEFAULT_MAX_AHEAD_MS,
  peerRatePerSecond: 10,
  peerBurst: 200,
  maxHistoryEntries: 1_000,
  now: Date.now,
};

/** The two verdicts of a message taken, one object each: one is made for every message received. */
const ADDED: Verdict = Object.freeze({ ok: true as const, outcome: "added" as const });
const DUPLICATE: Verdict = Object.freeze({ ok: true as const, outcome: "duplicate" as const });

/** Buckets of quiet senders are forgotten beyond this many per table (a full bucket holds no state worth keeping). */
const MAX_BUCKETS = 2_000;

/**
 * The one door into the history: a peer's new_message, a peer's history in its hello reply, our
 * own sends and the history file all come in here, and here live the rules about what a peer may
 * put into everyone's view (docs/interop-and-robustness.md):
 * - ids are judged against our clock, so that no wrong clock can make the present "too old";
 * - each peer_id and each address gets a fair share of the rate (a token bucket each), and the
 *   history itself evicts fairly (history.ts), so one flooder cannot push the others out;
 * - a received history is looked at only up to a bound, and what it brings is judged the same way;
 * - every refusal is answered with an error that says why, counted, and logged in bounded volume.
 * Readers take the History itself: its snapshot and its "message" events.
 */
export class MessageIntake {
  private options: IntakeOptions;
  /** Per peer_id, and per address: the fair share of the rate. (Two tables, not one keyed by
   *  "id:..." and "address:...": no key is built for every message.) */
  private readonly byPeer: TokenBuckets;
  private readonly byAddress: TokenBuckets;
  private readonly log: FloodSummary;

  constructor(
    private readonly history: History,
    private readonly logger: Logger,
    private readonly stats: StatsSink = NO_STATS,
    options: Partial<IntakeOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    const rate = { capacity: this.options.peerBurst, refillPerSecond: this.options.peerRatePerSecond, now: this.options.now };
    this.byPeer = new TokenBuckets(rate, MAX_BUCKETS);
    this.byAddress = new TokenBuckets(rate, MAX_BUCKETS);
    this.log = new FloodSummary(logger, { linesPerInterval: 20, intervalMs: 60_000, now: this.options.now });
  }

  reconfigure(options: Partial<Omit<IntakeOptions, "now">>): void {
    this.options = { ...this.options, ...options };
    const rate = { capacity: this.options.peerBurst, refillPerSecond: this.options.peerRatePerSecond };
    this.byPeer.reconfigure(rate);
    this.byAddress.reconfigure(rate);
  }

  /** Sums up what the flood summary held back; the node calls it now and then. */
  flushLog(): void {
    this.log.flush();
  }

  /** A peer's new_message (docs/protocol.md §2), already checked for its form by the command handler. */
  receive(id: string, entry: ChatMessage, source: MessageSource = {}): Verdict {
    const sender = entry.peer_id;
    const early = judgeIdAgainstClock(id, this.options.now(), this.options.maxIdAheadMs);
    if (early) return this.refuse(sender, early.code, early.why);
    const taken = this.history.holds(id, entry);
    if (taken === "duplicate") return DUPLICATE;
    if (taken === "clash") return this.refuseClash(id, sender);
    if (!this.byPeer.take(sender) || (source.address !== undefined && !this.byAddress.take(source.address))) {
      const { peerRatePerSecond: rate, peerBurst: burst } = this.options;
      return this.refuse(sender, "E_RATE_LIMITED",
        `more than ${burst} messages at once or ${rate} per second from one peer: not stored, slow down`);
    }
    const outcome = this.history.add(id, entry, source.address);
    if (outcome === "clash") return this.refuseClash(id, sender);
    if (outcome === "too-old") {
      return this.refuse(sender, "E_TOO_OLD", `message_id ${id} is older than all ${this.history.shares().get(sender) ?? 0} ` +
        `messages of yours we keep (the history is full, and whoever holds the most gives up their oldest); is your clock behind?`);
    }
    if (outcome === "added") {
      this.stats.count("messagesStored", sender);
      // At debug: see ChatNode.send, and a flood is summed up at debug too. Asked first, so that
      // nothing is built for the line per message while debug is off (as it is by default).
      if (this.logger.enabled("debug")) this.logReceived(id, entry, source);
    }
    return outcome === "added" ? ADDED : DUPLICATE;
  }

  /**
   * The history in a peer's hello reply: merged entry by entry, a message known from several peers
   * kept once (docs/protocol.md §2). Unusable entries are skipped, the rest kept (docs/protocol.md "What real
   * peers do": short ids and other oddities turn up in histories), and ids from the future too.
   */
  receiveHistory(peerId: string, messages: unknown, source: MessageSource = {}): HistoryReport {
    const report = this.merge(messages, source.address);
    if (report.added > 0) this.stats.count("messagesStored", peerId, report.added);
    if (report.clashes > 0) {
      this.stats.countReason("dropped", "E_ID_CLASH", peerId, report.clashes);
      this.log.write("warn", `history-clash:${peerId}`, `histories from ${peerId} with clashing ids`,
        () => `history from ${peerId}: not kept ${report.clashes} of its messages, whose ids hold other texts here ` +
          "(two clocks stamped the same millisecond, or a peer changed the text; the first copy wins)");
    }
    if (report.skipped > 0) {
      this.stats.countReason("dropped", "E_BAD_HISTORY_ENTRY", peerId, report.skipped);
      this.log.write("warn", `history-skipped:${peerId}`, `histories from ${peerId} with skipped entries`,
        () => `history from ${peerId}: skipped ${report.skipped} entries, e.g. ${report.invalid.slice(0, 3).join("; ")}`);
    }
    // Every connection brings a history, nearly always one with nothing new: that is said at
    // debug, and what brought messages at info. A peer joining a room of N logs N-1 fewer lines
    // (each a write, and a wake-up of journald, while the room waits on it).
    this.log.write(report.added > 0 ? "info" : "debug", `history:${peerId}`, `histories from ${peerId}`,
      () => `history from ${peerId}: ${report.total} messages, ${report.added} new`);
    return report;
  }

  /** What the history file held at start: trusted no more than a peer's history. */
  restore(saved: unknown): HistoryReport {
    return this.merge(saved, undefined);
  }

  /**
   * Our own new message, under a fresh id no known message uses. Fair eviction always keeps our
   * newest (our own clock only moves forward), but the send must never say ok for a message we
   * did not keep, so that is checked, not assumed.
   */
  own(peerId: string, text: string): StoredMessage {
    const message = this.history.addOwn(peerId, text);
    if (!this.history.has(message.id)) throw new Error(`E_NOT_KEPT: our own message ${message.id} was not kept`);
    this.stats.count("messagesStored");
    return message;
  }

  private logReceived(id: string, entry: ChatMessage, source: MessageSource): void {
    const sender = entry.peer_id;
    // Keyed by the delivering host: a host may claim any number of authors.
    const from = source.address ?? sender;
    this.log.write("debug", `received:${from}`, `messages received from ${from}`,
      () => `message ${id} received from ${sender}${source.address ? ` via ${source.address}` : ""} (${entry.message.length} chars)`);
  }

  /**
   * Acked, it would be a lie: the id already holds another text here, which stays (the first
   * copy wins, docs/protocol.md §3). The sender is told, so that its user learns one was lost.
   */
  private refuseClash(id: string, sender: string): Verdict {
    return this.refuse(sender, "E_ID_CLASH", `message_id ${id} already holds another message here ` +
      "(two clocks stamped the same millisecond): not stored");
  }

  private refuse(sender: string, code: ErrorCode, why: string): Verdict {
    this.stats.countReason("refused", code, sender);
    // Keyed by the code alone: a flood may claim a new author for every message (a relayed
    // message's peer_id is the sender's claim), and one line each would be a line per message.
    this.log.write("warn", `refused:${code}`, `messages refused with ${code}`,
      () => `refused a message from ${sender}: ${code}: ${why}`);
    return { ok: false, code, message: why };
  }

  private merge(raw: unknown, via: string | undefined): HistoryReport {
    const checked = checkHistoryPayload(raw, this.options.maxMessageBytes, this.options.maxHistoryEntries);
    const invalid = checked.invalid.slice(0, 3);
    let skipped = checked.invalidCount + checked.unexamined;
    let added = 0;
    let clashes = 0;
    const now = this.options.now();
    for (const [id, entry] of checked.valid) {
      const early = judgeIdAgainstClock(id, now, this.options.maxIdAheadMs);
      if (early) {
        skipped++;
        if (invalid.length < 3) invalid.push(`${id}: ${early.why}`);
        continue;
      }
      const outcome = this.history.add(id, entry, via);
      if (outcome === "added") added += 1;
      else if (outcome === "clash") clashes += 1;
    }
    return { total: checked.valid.length + checked.invalidCount + checked.unexamined, added, invalid, skipped, clashes };
  }
}
