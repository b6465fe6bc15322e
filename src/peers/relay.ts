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

/** A peer as the rule sees it. */
export interface RelayCandidate {
  peerId: string;
  host: string;
  segment: string;
  /** Not heard from for peer_timeout: nothing is queued for it (it gets our history when back). */
  gone: boolean;
}

/** A message new to us, with the host that delivered it. */
export interface RelayedMessage {
  /** Its author's claim (the `peer_id` it is stored under). */
  peer_id: string;
  /** The address that delivered it; undefined for our own and for what the history file held. */
  via?: string | undefined;
}

/** The peer ids to forward `message` to; empty when it is not to be relayed at all. */
export function relayTargets(
  message: RelayedMessage,
  candidates: readonly RelayCandidate[],
  segmentOfAddress: (address: string) => string,
): string[] {
  if (message.via === undefined) return [];
  const others = candidates.filter((peer) => !peer.gone && peer.host !== message.via && peer.peerId !== message.peer_id);
  // Nobody else to tell (a pair of peers, or everyone gone): the delivering host's reach is not needed.
  if (others.length === 0) return [];
  const from = segmentOfAddress(message.via);
  return others.filter((peer) => peer.segment !== from).map((peer) => peer.peerId);
}
