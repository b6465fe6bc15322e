/**
 * peer_id rules (docs/protocol.md "Identity and ports": "a non-empty string, unique on the LAN").
 * We also refuse one that is only whitespace (it shows as nothing in every list) and one over
 * 256 characters (a peer_id is logged, shown and sent on in every history entry; a classmate's
 * host name is never that long). The id is kept exactly as sent, spaces included: it is compared,
 * not cleaned, so that two peers never disagree about whose message is whose.
 */
export const MAX_PEER_ID_LENGTH = 256;

/** The rule in words, for error replies and logs. */
export const PEER_ID_RULE = `a non-empty string of at most ${MAX_PEER_ID_LENGTH} characters`;

export function isPeerId(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "" && value.length <= MAX_PEER_ID_LENGTH;
}
