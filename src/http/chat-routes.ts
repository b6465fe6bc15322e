import type { StoredMessage } from "../history/history.js";
import type { Logger } from "../log/logger.js";
import type { PeerInfo } from "../peers/peer.js";
import type { StatsSnapshot } from "../stats/stats.js";
import { VERSION } from "../version.js";
import type { Route } from "./api.js";
import { json } from "./io.js";
import { peerView, peerViews } from "./peer-view.js";
import { EventStream, type EventStreamOptions } from "./sse.js";
import { webRoutes } from "./static.js";
import type { BridgeView, HealthAnswer, HistoryAnswer, MessageEvent, PeersAnswer } from "./wire.js";

/** What /health shows of the settings; broadcast address and interval may change while running. */
export interface ChatSettings {
  peerId: string;
  port: number;
  broadcastAddress: string;
  discoveryIntervalMs: number;
  http: { bind: string; port: number };
}

/** The history as these routes read it: its size and limit, and its "message" events. */
export interface HistoryView {
  readonly size: number;
  readonly limit: number;
  list(): StoredMessage[];
  on(event: "message", listener: (message: StoredMessage) => void): unknown;
  off(event: "message", listener: (message: StoredMessage) => void): unknown;
}

/** The peer table as these routes read it: the list, and its "change" events. */
export interface PeersView {
  list(): PeerInfo[];
  on(event: "change", listener: (peer: PeerInfo) => void): unknown;
  off(event: "change", listener: (peer: PeerInfo) => void): unknown;
}

export interface ChatRoutesOptions {
  settings: ChatSettings;
  history: HistoryView;
  peers: PeersView;
  /** The counters, for GET /stats. */
  stats: { snapshot(): StatsSnapshot };
  logger: Logger;
  /** The bridge to a libp2p room as GET /peers shows it; null when there is none. */
  bridge?: () => BridgeView | null;
  now?: () => number;
  events?: Omit<EventStreamOptions, "logger">;
}

export interface ChatRoutes {
  routes: Record<string, Route>;
  events: EventStream;
  /** New settings to show (config reload). */
  reconfigure(settings: Partial<ChatSettings>): void;
  /** Ends the event streams and stops listening to the history and the peer table. */
  close(): void;
}

/**
 * What p2pchat serves beside the protocol's own endpoints: the chat page, GET /peers, GET /health,
 * GET /stats (the counters) and GET /events (server-sent events for new messages and peer changes).
 */
export function createChatRoutes(options: ChatRoutesOptions): ChatRoutes {
  const { history, peers, stats, logger } = options;
  let shown: ChatSettings = { ...options.settings, http: { ...options.settings.http } };
  const now = options.now ?? Date.now;
  const startedAt = now();
  // A peer's view is worked out for every change of it (every datagram it sends), and a message's
  // event built for every message stored: only while a stream is open to show them.
  const events = new EventStream({
    logger, ...options.events,
    onListening: (listening) => {
      if (listening) {
        peers.on("change", onPeer);
        history.on("message", onMessage);
      } else {
        peers.off("change", onPeer);
        history.off("message", onMessage);
      }
    },
  });

  function onMessage(message: StoredMessage): void {
    const event: MessageEvent = {
      id: message.id, peer_id: message.peer_id, message: message.message, ...(message.via !== undefined ? { via: message.via } : {}),
    };
    events.publish("message", event);
  }
  function onPeer(peer: PeerInfo): void {
    events.publish("peer", peerView(peer, { port: shown.port, now: now() }));
  }

  const health = (): HealthAnswer => {
    const views = peerViews(peers.list(), { port: shown.port, now: now() });
    const count = (test: (state: string) => boolean) => views.filter((v) => test(v.state)).length;
    const bridge = options.bridge?.() ?? null;
    return {
      status: "ok",
      peer_id: shown.peerId,
      version: VERSION,
      started_at: new Date(startedAt).toISOString(),
      uptime_s: Math.floor((now() - startedAt) / 1000),
      port: shown.port,
      broadcast_address: shown.broadcastAddress,
      discovery_interval_s: shown.discoveryIntervalMs / 1000,
      http: { bind: shown.http.bind, port: shown.http.port },
      messages: history.size,
      history_limit: history.limit,
      peers: {
        known: views.length,
        both: count((s) => s === "both"),
        one_way: count((s) => s === "outbound-only" || s === "inbound-only"),
        not_connected: count((s) => s === "none"),
        clash: count((s) => s === "clash"),
      },
      event_clients: events.clientCount,
      ...(bridge ? {
        bridge: {
          id: bridge.id, room: bridge.room, listen: bridge.listen,
          peers: bridge.peers.length, connected: bridge.peers.filter((p) => p.connected).length,
        },
      } : {}),
    };
  };

  const routes: Record<string, Route> = {
    ...webRoutes(),
    "/peers": {
      GET: ({ response }) => {
        const bridge = options.bridge?.() ?? null;
        // Without a bridge the answer is what it always was.
        const answer: PeersAnswer = { peers: peerViews(peers.list(), { port: shown.port, now: now() }), ...(bridge ? { bridge } : {}) };
        json(response, 200, answer);
      },
    },
    "/health": { GET: ({ response }) => json(response, 200, health()) },
    // The history as GET /messages has it, oldest first, plus the host that delivered each
    // message: a peer_id is only a claim (docs/protocol.md "Some peers relay"), the address is seen.
    "/history": {
      GET: ({ response }) => {
        const answer: HistoryAnswer = {
          messages: history.list().map((m) => ({ id: m.id, peer_id: m.peer_id, message: m.message, ...(m.via !== undefined ? { via: m.via } : {}) })),
        };
        json(response, 200, answer);
      },
    },
    "/stats": { GET: ({ response }) => json(response, 200, stats.snapshot()) },
    "/events": { GET: ({ request, response }) => events.handle(request, response) },
  };

  return {
    routes,
    events,
    reconfigure(settings) {
      shown = { ...shown, ...settings };
    },
    close() {
      history.off("message", onMessage);
      peers.off("change", onPeer);
      events.close();
    },
  };
}
