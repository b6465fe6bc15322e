/**
 * What one gossipsub message of the room carries: one chat message as JSON,
 * `{"id":"1707243010934","peer_id":"alice","message":"hi"}`, judged by the protocol's own rules
 * before anything reaches the history. Pure and free of libp2p, so it is tested on its own.
 */
import { isPeerId, PEER_ID_RULE } from "../protocol/peer-id.js";
import { normalizeMessageId } from "../protocol/message-id.js";
import { isOverBytes } from "../protocol/message-size.js";

export interface BridgeMessage {
  /** Canonical message id (protocol/message-id.ts). */
  id: string;
  peer_id: string;
  message: string;
}

/** The message as the room carries it. */
export function encodePayload(message: BridgeMessage): Uint8Array {
  return Buffer.from(JSON.stringify({ id: message.id, peer_id: message.peer_id, message: message.message }));
}

/**
 * Longest payload looked at, in bytes: JSON writes a control character as \u00XX (six bytes), so a
 * message of `maxMessageBytes` may take six times as much, plus the id and the peer_id.
 */
export function maxPayloadBytes(maxMessageBytes: number): number {
  return 6 * maxMessageBytes + 2_048;
}

/** The message in `data`, or why it is refused (a few words, for the log). */
export function decodePayload(data: Uint8Array, maxMessageBytes: number): { ok: true; message: BridgeMessage } | { ok: false; why: string } {
  if (data.byteLength > maxPayloadBytes(maxMessageBytes)) return { ok: false, why: `payload of ${data.byteLength} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    return { ok: false, why: "payload is not JSON in UTF-8" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, why: "payload is not a JSON object" };
  const { id: rawId, peer_id: peerId, message } = value as Record<string, unknown>;
  const id = normalizeMessageId(rawId);
  if (id === undefined) return { ok: false, why: "id is not a string of at least 13 digits" };
  if (!isPeerId(peerId)) return { ok: false, why: `peer_id is not ${PEER_ID_RULE}` };
  if (typeof message !== "string") return { ok: false, why: "message is not a string" };
  if (isOverBytes(message, maxMessageBytes)) return { ok: false, why: `message over ${maxMessageBytes} bytes` };
  return { ok: true, message: { id, peer_id: peerId, message } };
}

/**
 * Gossipsub's message id: the author's peer_id and the message id, so that two bridges of one
 * LAN that both publish a message (each got it from the LAN) are one message in the room. A
 * payload that is not a message gets an id from its publisher and sequence number, as gossipsub's
 * default would; the validator then rejects it.
 */
export function roomMessageId(data: Uint8Array, maxMessageBytes: number, fallback: () => string): Uint8Array {
  const decoded = decodePayload(data, maxMessageBytes);
  const text = decoded.ok ? `${decoded.message.id}\n${decoded.message.peer_id}` : `\u0000${fallback()}`;
  return Buffer.from(text);
}

/** `via` of a message that came over the bridge: the libp2p id of the bridge that published it. */
export const BRIDGE_VIA_PREFIX = "bridge:";

export function bridgeVia(publisher: string): string {
  return `${BRIDGE_VIA_PREFIX}${publisher}`;
}

export function isBridgeVia(via: string | undefined): boolean {
  return via !== undefined && via.startsWith(BRIDGE_VIA_PREFIX);
}
