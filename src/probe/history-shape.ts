// The shape of a history as the protocol defines it (docs/protocol.md §2, §3, §4): an object from
// message id (13+ digits) to {"peer_id","message"}, oldest first where the HTTP API serves it.
// Pure functions, so every rule has a unit test.
import { checkHistoryPayload, type ChatMessage } from "../history/history.js";
import { compareMessageIds, isMessageId } from "../protocol/message-id.js";

export interface HistoryShape {
  /** Entries that follow the protocol, in the order they were sent. */
  valid: Array<[string, ChatMessage]>;
  /** One short reason per problem found; empty if the history follows the protocol. */
  problems: string[];
}

/** Checks a history object. `ordered`: the ids must be oldest first (the HTTP API, §4). */
export function checkHistory(raw: unknown, options: { ordered?: boolean } = {}): HistoryShape {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { valid: [], problems: [`the history is ${describe(raw)}, not an object`] };
  }
  // The peer's own rule for histories it receives, so probe and peer never disagree.
  const checked = checkHistoryPayload(raw);
  const problems = [...checked.invalid];
  if (options.ordered) {
    const ids = Object.keys(raw).filter(isMessageId);
    for (let i = 1; i < ids.length; i++) {
      if (compareMessageIds(ids[i - 1] as string, ids[i] as string) > 0) {
        problems.push(`not oldest first: ${ids[i - 1]} comes before ${ids[i]}`);
        break;
      }
    }
  }
  return { valid: checked.valid, problems };
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}
