/**
 * Catch-up between two bridges, a request-response protocol of our own over libp2p: when two
 * bridges connect, each opens a stream to the other on CATCH_UP_PROTOCOL and reads one
 * length-prefixed JSON reply, `{"messages":{"<id>":{"peer_id":...,"message":...},...}}`: the
 * other's newest messages within the hello reply budget (policy/reply-budget.ts), oldest first,
 * like a hello reply (docs/protocol.md §2). Gossipsub stores nothing, so a site cut off for a while
 * gets what it missed this way, merged by id like a hello reply's history.
 */
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { ChatMessage } from "../history/history.js";

export const CATCH_UP_PROTOCOL = "/p2pchat/catch-up/1.0.0";

/** Answers every catch-up request with `snapshot()`. */
export async function serveCatchUp(
  node: Libp2p,
  snapshot: () => { room: string; messages: Record<string, ChatMessage> },
  options: { maxReplyBytes: number; timeoutMs: number },
): Promise<void> {
  await node.handle(CATCH_UP_PROTOCOL, async (stream: Stream) => {
    try {
      const lp = lpStream(stream, { maxDataLength: options.maxReplyBytes });
      await lp.write(Buffer.from(JSON.stringify({ messages: snapshot() })), { signal: AbortSignal.timeout(options.timeoutMs) });
      await stream.close({ signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      stream.abort(err as Error);
    }
  }, { maxInboundStreams: 4, runOnLimitedConnection: false });
}

/**
 * Asks `peer` for its newest messages: the reply's `messages`, unread (the intake judges it), or
 * an error when it does not come within `timeoutMs`, is longer than `maxReplyBytes` or is not JSON.
 */
export async function requestCatchUp(
  node: Libp2p,
  peer: PeerId,
  options: { maxReplyBytes: number; timeoutMs: number },
): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const stream = await node.dialProtocol(peer, CATCH_UP_PROTOCOL, { signal });
  try {
    const lp = lpStream(stream, { maxDataLength: options.maxReplyBytes });
    const reply = await lp.read({ signal });
    const parsed = JSON.parse(Buffer.from(reply.subarray()).toString("utf8")) as unknown;
    await stream.close({ signal }).catch(() => undefined);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("catch-up reply is not a JSON object");
    return (parsed as { messages?: unknown }).messages;
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}
