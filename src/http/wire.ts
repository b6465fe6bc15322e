/**
 * The JSON that p2pchat's own HTTP endpoints answer (GET /peers, /health, /events), in one place
 * for the daemon, the web page (web/app.ts) and the CLI. Types only, no imports: the page's build
 * (web/tsconfig.json, DOM lib) compiles this file too. Names are snake_case like the protocol's.
 */

/** One chat message as GET /events sends it; GET /messages keeps the protocol's id-keyed object. */
export interface MessageEvent {
  id: string;
  peer_id: string;
  message: string;
  /** The address of the host that delivered it; absent for our own. A peer_id is only a claim. */
  via?: string;
}

/** GET /history: GET /messages's history as a list, oldest first, with the host that delivered each. */
export interface HistoryAnswer {
  messages: MessageEvent[];
}

/** Both connections of a pair (docs/protocol.md §2), or a peer_id clash; see src/peers/diagnosis.ts. */
export type LinkState = "both" | "outbound-only" | "inbound-only" | "none" | "clash";

export interface PeerView {
  peer_id: string;
  /** Where its TCP server is, as discovery or its hello told us. */
  address: string;
  state: LinkState;
  /** A few words on `state`, e.g. "connected both ways". */
  summary: string;
  /** Our connection to it (it carries our messages). */
  outbound: "connected" | "connecting" | "down";
  /** How many connections it has open to us (they carry its messages). */
  inbound: number;
  inbound_addresses: string[];
  /** ISO 8601 times. */
  first_seen: string;
  last_seen: string;
  /** Milliseconds between the last sign of life and this answer: no need to trust clocks to agree. */
  last_seen_ago_ms: number;
  last_seen_via: "udp-hello" | "udp-answer" | "tcp-hello" | "remembered";
  /**
   * How it is reached (src/discovery/reach.ts): "interface" (on the LAN of our interface `name`,
   * found by its broadcast), "static" (the [PEERS] static entry `name`), "remembered" (from before
   * a restart, at `name`), "routed" (it found us by unicast from another network, at `name`).
   */
  reach: { kind: "interface" | "static" | "remembered" | "routed"; name: string };
  /** Not heard from for peer_timeout: not retried until it announces itself again. */
  gone: boolean;
  /** Our messages it has not acked yet. */
  queued: number;
  last_error: { code: string; message: string; at: string } | null;
  /** What is probably wrong and what to check, in plain words; null when all is well. */
  hint: string | null;
}

/** One other site's bridge, as GET /peers shows it (src/bridge/). */
export interface BridgePeerView {
  /** Its libp2p peer id; "" while a configured address without /p2p/ has never answered. */
  id: string;
  /** The multiaddr we dial (a configured one) or it came from (one that dialled us). */
  address: string;
  connected: boolean;
  /** ISO 8601: since when it is connected, or not. */
  since?: string;
  /** Why the last attempt or connection failed, in words ("refused: not the same room key"). */
  lastError?: string;
}

/** Our bridge to a libp2p room: who we are there, and the other sites' bridges. */
export interface BridgeView {
  /** Our libp2p peer id. */
  id: string;
  room: string;
  /** Our listening multiaddrs, each ending in /p2p/<id>. */
  listen: string[];
  peers: BridgePeerView[];
}

export interface PeersAnswer {
  peers: PeerView[];
  /** null (or absent) when no bridge is configured. */
  bridge?: BridgeView | null;
}

export interface HealthAnswer {
  status: "ok";
  peer_id: string;
  version: string;
  started_at: string;
  uptime_s: number;
  /** UDP discovery and TCP port (docs/protocol.md "Identity and ports"). */
  port: number;
  broadcast_address: string;
  discovery_interval_s: number;
  http: { bind: string; port: number };
  messages: number;
  history_limit: number;
  peers: { known: number; both: number; one_way: number; not_connected: number; clash: number };
  event_clients: number;
  /** Only with a bridge: our libp2p id, the room, and how many other sites' bridges are connected. */
  bridge?: { id: string; room: string; listen: string[]; peers: number; connected: number };
}

export interface SendAnswer {
  status: "ok";
  message_id: string;
}

export interface ErrorAnswer {
  status: "error";
  message: string;
}
