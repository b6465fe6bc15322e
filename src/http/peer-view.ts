import { diagnose } from "../peers/diagnosis.js";
import type { PeerInfo } from "../peers/peer.js";
import type { PeerView } from "./wire.js";

/** A peer as GET /peers and the `peer` event show it: the peer table's facts plus the diagnosis. */
export function peerView(peer: PeerInfo, context: { port: number; now: number }): PeerView {
  const diagnosis = diagnose(peer, context);
  return {
    peer_id: peer.peerId,
    address: peer.address,
    state: diagnosis.state,
    summary: diagnosis.summary,
    outbound: peer.outbound,
    inbound: peer.inbound,
    inbound_addresses: peer.inboundAddresses,
    first_seen: new Date(peer.firstSeen).toISOString(),
    last_seen: new Date(peer.lastSeen).toISOString(),
    last_seen_ago_ms: Math.max(0, context.now - peer.lastSeen),
    last_seen_via: peer.lastSeenVia,
    reach: { kind: peer.reach.kind, name: peer.reach.name },
    gone: peer.gone,
    queued: peer.queued,
    last_error: peer.lastError
      ? { code: peer.lastError.code, message: peer.lastError.message, at: new Date(peer.lastError.at).toISOString() }
      : null,
    hint: diagnosis.hint ?? null,
  };
}

/** Sorted by peer_id, so tables and the page do not reorder as peers come and go. */
export function peerViews(peers: PeerInfo[], context: { port: number; now: number }): PeerView[] {
  return peers
    .map((peer) => peerView(peer, context))
    .sort((a, b) => (a.peer_id < b.peer_id ? -1 : a.peer_id > b.peer_id ? 1 : 0));
}
