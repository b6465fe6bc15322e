/**
 * Answers the question LAN-chat users ask most, "why don't I see peer X?", from what the peer
 * table knows: which of the two connections exist (docs/protocol.md §2: one each way per pair), how we
 * last heard from the peer, and the code of the last failure. Pure: no sockets, no clock.
 */
import { fillHint, isErrorCode, type ErrorCode } from "../errors.js";
import type { PeerInfo } from "./peer.js";

/**
 * The two connections of a pair (docs/protocol.md §2): ours to it carries our messages, its to us
 * carries its messages. "both" is the only state in which chat flows both ways.
 */
export type LinkState = "both" | "outbound-only" | "inbound-only" | "none";

/**
 * A peer's state in the peers view: its links, or "clash" while another host announces its
 * peer_id too (then "connected both ways" would hide that someone else claims the name).
 */
export type PeerState = LinkState | "clash";

/** A clash is shown this long after the other host last announced the peer_id. */
export const CLASH_SHOWN_MS = 60_000;

export interface Diagnosis {
  state: PeerState;
  /** A few words for a badge or a table cell: "connected both ways", "one way: ...", ... */
  summary: string;
  /** What is probably wrong and what to check, in plain words; undefined when all is well. */
  hint: string | undefined;
}

export interface DiagnosisContext {
  /** The protocol port (UDP and TCP; docs/protocol.md "Identity and ports"), named in the hints. */
  port: number;
  now: number;
}

export function linkState(peer: Pick<PeerInfo, "outbound" | "inbound">): LinkState {
  const out = peer.outbound === "connected";
  const inn = peer.inbound > 0;
  return out && inn ? "both" : out ? "outbound-only" : inn ? "inbound-only" : "none";
}

const SUMMARY: Record<LinkState, string> = {
  both: "connected both ways",
  "outbound-only": "one way: we reach it, it has not connected to us",
  "inbound-only": "one way: it reaches us, we cannot reach it",
  none: "not connected",
};

export function diagnose(peer: PeerInfo, context: DiagnosisContext): Diagnosis {
  const { clash } = peer;
  if (clash && context.now - clash.at < CLASH_SHOWN_MS) {
    const links = SUMMARY[linkState(peer)];
    return {
      state: "clash",
      summary: `peer_id also announced by ${clash.address}; staying with ${peer.address} (${links})`,
      hint: `two hosts use the peer_id ${JSON.stringify(peer.peerId)}: two classmates kept the same name, or ` +
        `${clash.address} announces a classmate's name. Our messages go to ${peer.address}, where it was proven; ` +
        "each message shows the host that delivered it.",
    };
  }
  const state = linkState(peer);
  const summary = peer.outbound === "connecting" && !peer.lastError && state !== "both"
    ? `${SUMMARY[state]} (connecting…)`
    : SUMMARY[state];
  return { state, summary, hint: hintFor(peer, state, context) };
}

function hintFor(peer: PeerInfo, state: LinkState, context: DiagnosisContext): string | undefined {
  if (state === "both") return undefined;
  if (peer.gone) {
    const silent = Math.max(0, Math.round((context.now - peer.lastSeen) / 1000));
    return `not heard from for ${silent} s: switched off, asleep or gone from the network. ` +
      "It is connected again as soon as it announces itself.";
  }
  if (state === "outbound-only") {
    // Our connection works, so its server and the path to it are fine; what is missing is its
    // connection to us, which it opens once it hears our hello or we say hello to its server.
    return `it has not connected back to us: it may not hear our UDP hellos on port ${context.port} ` +
      `(check our broadcast address, and that a firewall here lets UDP ${context.port} in) ` +
      `or cannot reach our TCP ${context.port} (a firewall here?). Messages still reach it; its messages do not reach us.`;
  }
  // No error yet: found moments ago and still connecting, so give it a round trip.
  if (!peer.lastError) return undefined;
  const direction = state === "inbound-only" ? " Its messages reach us; ours wait until we get through." : "";
  return errorHint(peer, context.port) + direction;
}

/**
 * Operating-system codes (Node's err.code) that mean the same to a user as one of ours: their
 * words come from that code's catalogue entry.
 */
const READ_AS: Readonly<Record<string, ErrorCode>> = {
  ETIMEDOUT: "E_CONNECT_TIMEOUT",
  ECONNRESET: "E_CLOSED_BY_PEER",
  EPIPE: "E_CLOSED_BY_PEER",
};

/**
 * Plain-language reading of why our last connection to the peer failed, by its stable code. Our
 * own codes read as their hint in the errors catalogue (src/errors.ts); the operating system's
 * codes that say more than ours are read here.
 */
export function errorHint(peer: Pick<PeerInfo, "lastError" | "lastSeenVia" | "address">, port: number): string {
  const error = peer.lastError;
  if (!error) return "";
  switch (error.code) {
    case "ECONNREFUSED": {
      const heardBy = peer.lastSeenVia === "tcp-hello" ? "connects to us" : "answers UDP";
      return `${heardBy} but refuses TCP on ${port}: is its server running, or a firewall in the way?`;
    }
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return `its address ${peer.address} cannot be reached from here: it left the network, or it is on another subnet.`;
  }
  const code = READ_AS[error.code] ?? error.code;
  if (isErrorCode(code)) {
    // E_HELLO_REFUSED's message is "hello refused: <the peer's words>"; the hint quotes the words.
    const reason = code === "E_HELLO_REFUSED" ? error.message.replace(/^hello refused: /, "") : error.message;
    return fillHint(code, { port, address: peer.address, reason });
  }
  return `our connection failed: ${error.message} (${error.code}).`;
}
