/**
 * The relay rule: which peers a message new to us is forwarded to, so that two LANs joined by one
 * static link, or by one host with an interface on each, are one room (docs/getting-started.md "Across networks").
 *
 * Every peer belongs to a segment (discovery/reach.ts): the LAN of one of our interfaces, or its
 * own segment when found by unicast from elsewhere. A message that came from segment S, by
 * new_message or in a hello reply, is forwarded to the known peers of every other segment; the
 * peers of S have it already, or get it from its author, who sends it to everyone on that LAN
 * itself (docs/protocol.md §2). So:
 * - on a single LAN (one segment) nothing is relayed: a mesh of N still costs N-1 frames a message;
 * - nothing loops: only a message new to us is relayed, and a message is new to us once (dedup by id);
 * - no peer is sent a message it sent us (the delivering host, whatever its segment) or wrote.
 * Our own messages are not relayed: they go to every peer (ChatNode.send).
 */

/** A peer as the rule sees it (a Peer is one): its segment is asked of the caller, by address. */
export interface RelayCandidate {
  readonly id: string;
  readonly host: string;
  /** Not heard from for peer_timeout: nothing is queued for it (it gets our history when back). */
  readonly gone: boolean;
}

/** A message new to us, with the host that delivered it. */
export interface RelayedMessage {
  /** Its author's claim (the `peer_id` it is stored under). */
  peer_id: string;
  /** The address that delivered it; undefined for our own and for what the history file held. */
  via?: string | undefined;
}

/**
 * The peer ids to forward `message` to; empty when it is not to be relayed at all. It runs for
 * every message stored, so it walks the peers once and makes nothing for those it skips.
 */
export function relayTargets(
  message: RelayedMessage,
  candidates: Iterable<RelayCandidate>,
  segmentOfAddress: (address: string) => string,
): string[] {
  const targets: string[] = [];
  const { via } = message;
  if (via === undefined) return targets;
  // Asked only once someone else is there: every message of a pair of peers needs no segment.
  let from: string | undefined;
  for (const peer of candidates) {
    if (peer.gone || peer.host === via || peer.id === message.peer_id) continue;
    from ??= segmentOfAddress(via);
    if (segmentOfAddress(peer.host) !== from) targets.push(peer.id);
  }
  return targets;
}
