import type { Logger } from "../log/logger.js";
import { NO_STATS, type StatsSink } from "../stats/stats.js";
import { checkHistoryPayload, type AddResult, type ChatMessage, type History, type StoredMessage } from "./history.js";

/**
 * What the intake says of one message, at once, so that the ack tells the truth (PROTOCOL.md §2:
 * `{"status":"ok"}` or `{"status":"error","message":...}`). A message we know already, or one older
 * than all we keep, is not an error: the sender did nothing wrong, so it is acked.
 */
export type Verdict =
  | { ok: true; outcome: AddResult }
  | { ok: false; code: string; message: string };

/** What became of a received history (a hello reply, PROTOCOL.md §2; or the history file). */
export interface HistoryReport {
  /** Entries in it, usable or not. */
  total: number;
  /** Entries new to our history. */
  added: number;
  /** One short reason per unusable entry. */
  invalid: string[];
}

/** A peer's message, as new_message hands it over: stored under the peer_id of its connection. */
export type StoreMessage = (id: string, entry: ChatMessage) => Verdict;

export interface IntakeOptions {
  /** Longest message text taken from a history, in UTF-8 bytes ([HISTORY] max_message_bytes). */
  maxMessageBytes: number;
}

const DEFAULTS: IntakeOptions = { maxMessageBytes: 65_536 };

/**
 * The one door into the history: a peer's new_message, a peer's history in its hello reply, our
 * own sends and the history file all come in here. One door is where the rules about what
 * a peer may put into everyone's view live (DESIGN.md "Trust nothing a peer says"): today the
 * size of a message and the shape of a history; later ids from the future and each peer's share.
 * Readers take the History itself: its snapshot and its "message" events.
 */
export class MessageIntake {
  private options: IntakeOptions;

  constructor(
    private readonly history: History,
    private readonly logger: Logger,
    private readonly stats: StatsSink = NO_STATS,
    options: Partial<IntakeOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  reconfigure(options: Partial<IntakeOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** A peer's new_message (PROTOCOL.md §2), already checked for its form by the command handler. */
  receive(id: string, entry: ChatMessage): Verdict {
    const outcome = this.history.add(id, entry);
    if (outcome === "added") {
      this.stats.count("messagesStored", entry.peer_id);
      this.logger.info(`message ${id} received from ${entry.peer_id} (${entry.message.length} chars)`);
    } else {
      this.logger.debug(`message ${id} from ${entry.peer_id}: ${outcome}, not stored`);
    }
    return { ok: true, outcome };
  }

  /**
   * The history in a peer's hello reply: merged entry by entry, a message known from several peers
   * kept once (PROTOCOL.md §2). Unusable entries are skipped, the rest kept (PROTOCOL.md "What real
   * peers do": short ids and other oddities turn up in histories).
   */
  receiveHistory(peerId: string, messages: unknown): HistoryReport {
    const report = this.merge(messages);
    if (report.added > 0) this.stats.count("messagesStored", peerId, report.added);
    for (let i = 0; i < report.invalid.length; i++) this.stats.countReason("dropped", "E_BAD_HISTORY_ENTRY", peerId);
    if (report.invalid.length > 0) {
      this.logger.warn(`history from ${peerId}: skipped ${report.invalid.length} invalid entries, ` +
        `e.g. ${report.invalid.slice(0, 3).join("; ")}`);
    }
    this.logger.info(`history from ${peerId}: ${report.total} messages, ${report.added} new`);
    return report;
  }

  /** What the history file held at start: trusted no more than a peer's history. */
  restore(saved: unknown): HistoryReport {
    return this.merge(saved);
  }

  /** Our own new message, under a fresh id no known message uses. */
  own(peerId: string, text: string): StoredMessage {
    const message = this.history.addOwn(peerId, text);
    this.stats.count("messagesStored");
    return message;
  }

  private merge(raw: unknown): HistoryReport {
    const checked = checkHistoryPayload(raw, this.options.maxMessageBytes);
    let added = 0;
    for (const [id, entry] of checked.valid) {
      if (this.history.add(id, entry) === "added") added += 1;
    }
    return { total: checked.valid.length + checked.invalid.length, added, invalid: checked.invalid };
  }
}
