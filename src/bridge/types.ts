/**
 * What the rest of p2pchat knows of the bridge: its settings, what it asks of the node, and what
 * it shows. Types only, so that node.ts can name them without loading libp2p: the bridge itself
 * comes in with one dynamic import of ./index.js, and only when it is configured.
 */
import type { ChatMessage, StoredMessage } from "../history/history.js";
import type { HistoryReport, Verdict } from "../history/intake.js";
import type { Logger } from "../log/logger.js";
import type { StatsSink } from "../stats/stats.js";
import type { BridgeView } from "../http/wire.js";
import type { BridgeMessage } from "./payload.js";

export interface BridgeSettings {
  /** Multiaddrs to listen on; may be empty (a bridge that only dials). */
  listen: string[];
  /** Other bridges, dialled and redialled for ever. */
  peers: string[];
  room: string;
  /** The room key, 64 lower-case hex characters (room-key.ts). */
  key: string;
  /** Absolute path of our identity file (identity.ts); created at the first start. */
  identityFile: string;
  /** Backoff of the redial: from retryMinMs, doubling, to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** A catch-up reply longer than this is not read ([TCP] max_hello_reply_bytes). */
  maxCatchUpBytes: number;
  /** Time for a catch-up reply to arrive ([TCP] hello_timeout). */
  catchUpTimeoutMs: number;
}

/** What the bridge asks of the node: the intake's two doors, and the history's newest messages. */
export interface BridgeHost {
  logger: Logger;
  stats: StatsSink;
  /** Longest message text, read at each use ([HISTORY] max_message_bytes may change on reload). */
  maxMessageBytes(): number;
  /** A message from the room, published by the bridge `publisher` (a libp2p peer id). */
  receive(message: BridgeMessage, publisher: string): Verdict;
  /** A catch-up reply from the bridge `from`: merged like a hello reply's history. */
  receiveHistory(messages: unknown, from: string): HistoryReport;
  /** Whether our history holds this message id, and the message if so. */
  stored(id: string): ChatMessage | undefined;
  /** Our newest messages within the hello reply budget (policy/reply-budget.ts). */
  snapshot(): Record<string, ChatMessage>;
}

/** A running bridge, as node.ts holds it. */
export interface RunningBridge {
  /** Our libp2p peer id (12D3KooW...). */
  readonly id: string;
  /** Our listening multiaddrs, each with /p2p/<id>: what another site puts in its [BRIDGE] peers. */
  readonly addresses: string[];
  /** Publishes one message new to us on the room's topic. */
  publish(message: Pick<StoredMessage, "id" | "peer_id" | "message">): void;
  view(): BridgeView;
  /** Says the counts the flood summaries held back (the node calls it now and then). */
  flushLog(): void;
  stop(): Promise<void>;
}
