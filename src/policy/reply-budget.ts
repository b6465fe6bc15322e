import { encodeFrame } from "../protocol/encoder.js";
import { helloReply } from "../protocol/frames.js";

/** A history entry as the hello reply carries it (docs/protocol.md §2). */
export interface ReplyEntry {
  peer_id: string;
  message: string;
}

/**
 * Our hello reply carries the history (docs/protocol.md §2), and other peers read it as one frame:
 * the reference peer refuses any frame over 4 MiB, others read a line into a fixed buffer. 100
 * messages of 60 KiB make a 6 MB reply that such a peer can never read, so it can never join.
 * The reply therefore carries the newest messages that fit `budgetBytes` of encoded frame, oldest
 * first as always; the ones left out are the oldest, which a joining peer misses least.
 */
export function newestWithinBudget(
  oldestFirst: ReadonlyArray<readonly [string, ReplyEntry]>,
  budgetBytes: number,
): { messages: Record<string, ReplyEntry>; left: number } {
  // The reply with no entries, LF included: the frame around the entries.
  let used = encodeFrame(helloReply({})).length;
  let first = oldestFirst.length;
  for (let i = oldestFirst.length - 1; i >= 0; i--) {
    const [id, entry] = oldestFirst[i] as readonly [string, ReplyEntry];
    // "id":{"peer_id":"...","message":"..."}, and a comma between entries: what JSON.stringify writes.
    const comma = first < oldestFirst.length ? 1 : 0;
    const size = Buffer.byteLength(JSON.stringify(id)) + 1 + Buffer.byteLength(JSON.stringify({ peer_id: entry.peer_id, message: entry.message })) + comma;
    if (used + size > budgetBytes) break;
    used += size;
    first = i;
  }
  const messages: Record<string, ReplyEntry> = {};
  for (let i = first; i < oldestFirst.length; i++) {
    const [id, entry] = oldestFirst[i] as readonly [string, ReplyEntry];
    messages[id] = { peer_id: entry.peer_id, message: entry.message };
  }
  return { messages, left: first };
}
