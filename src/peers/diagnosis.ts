/**
 * Answers the question LAN-chat users ask most, "why don't I see peer X?", from what the peer
 * table knows: which of the two connections exist (PROTOCOL.md §2: one each way per pair), how we
 * last heard from the peer, and the code of the last failure. Pure: no sockets, no clock.
 */
import type { PeerInfo } from "./peer.js";

/**
 * The two connections of a pair (PROTOCOL.md §2): ours to it carries our messages, its to us
 * carries its messages. "both" is the only state in which chat flows both ways.
 */
export type LinkState = "both" | "outbound-only" | "inbound-only" | "none";

export interface Diagnosis {
  state: LinkState;
  /** A few words for a badge or a table cell: "connected both ways", "one way: ...", ... */
  summary: string;
  /** What is probably wrong and what to check, in plain words; undefined when all is well. */
  hint: string | undefined;
}

export interface DiagnosisContext {
  /** The protocol port (UDP and TCP; PROTOCOL.md "Identity and ports"), named in the hints. */
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

/** Plain-language reading of why our last connection to the peer failed, by its stable code. */
export function errorHint(peer: Pick<PeerInfo, "lastError" | "lastSeenVia" | "address">, port: number): string {
  const error = peer.lastError;
  if (!error) return "";
  const heardBy = peer.lastSeenVia === "tcp-hello" ? "connects to us" : "answers UDP";
  switch (error.code) {
    case "ECONNREFUSED":
      return `${heardBy} but refuses TCP on ${port}: is its server running, or a firewall in the way?`;
    case "E_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return `no answer to our TCP connect on ${port}: a firewall dropping packets, or the host is gone.`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return `its address ${peer.address} cannot be reached from here: it left the network, or it is on another subnet.`;
    case "E_HELLO_TIMEOUT":
      return `accepts TCP on ${port} but never answers our hello: its program may be stuck, or it waits for something our hello does not send.`;
    case "E_HELLO_REFUSED":
      return `answered our hello with an error (${error.message.replace(/^hello refused: /, "")}): its program may speak the protocol differently.`;
    case "E_ACK_TIMEOUT":
      return "stopped acking our messages in time: its program may be stuck or overloaded. We reconnect and send them again.";
    case "E_CLOSED_BY_PEER":
    case "ECONNRESET":
    case "EPIPE":
    case "E_CLOSED":
      return "closed our connection: it may have restarted or stopped, or it closes connections it does not like. We reconnect.";
    case "E_FRAME_TOO_LARGE":
      return "sent more in one frame than we accept ([TCP] max_frame_bytes, max_hello_reply_bytes): a huge history, or garbage.";
    case "E_WRITE_BUFFER_FULL":
      return "does not read what we send: its program may be stuck.";
    default:
      return `our connection failed: ${error.message} (${error.code}).`;
  }
}
