import type { Config } from "../config/types.js";
import type { History, StoredMessage } from "../history/history.js";
import type { Logger } from "../log/logger.js";
import type { PeerInfo, PeerTable } from "../peers/peer-table.js";
import { VERSION } from "../version.js";
import type { Route } from "./api.js";
import { json } from "./io.js";
import { peerView, peerViews } from "./peer-view.js";
import { EventStream, type EventStreamOptions } from "./sse.js";
import { webRoutes } from "./static.js";
import type { HealthAnswer, MessageEvent, PeersAnswer } from "./wire.js";

export interface ChatRoutesOptions {
  config: Config;
  history: History;
  peers: PeerTable;
  logger: Logger;
  now?: () => number;
  events?: Omit<EventStreamOptions, "logger">;
}

export interface ChatRoutes {
  routes: Record<string, Route>;
  events: EventStream;
  /** Ends the event streams and stops listening to the history and the peer table. */
  close(): void;
}

/**
 * What p2pchat serves beside the protocol's own endpoints: the chat page, GET /peers, GET /health
 * and GET /events (server-sent events for new messages and peer changes).
 */
export function createChatRoutes(options: ChatRoutesOptions): ChatRoutes {
  const { config, history, peers, logger } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const events = new EventStream({ logger, ...options.events });

  const onMessage = (message: StoredMessage) => {
    const event: MessageEvent = { id: message.id, peer_id: message.peer_id, message: message.message };
    events.publish("message", event);
  };
  const onPeer = (peer: PeerInfo) => {
    if (events.clientCount > 0) events.publish("peer", peerView(peer, { port: config.port, now: now() }));
  };
  history.on("message", onMessage);
  peers.on("change", onPeer);

  const health = (): HealthAnswer => {
    const views = peerViews(peers.list(), { port: config.port, now: now() });
    const count = (test: (state: string) => boolean) => views.filter((v) => test(v.state)).length;
    return {
      status: "ok",
      peer_id: config.peerId,
      version: VERSION,
      started_at: new Date(startedAt).toISOString(),
      uptime_s: Math.floor((now() - startedAt) / 1000),
      port: config.port,
      broadcast_address: config.broadcastAddress,
      discovery_interval_s: config.discovery.intervalMs / 1000,
      http: { bind: config.http.bind, port: config.http.port },
      messages: history.size,
      history_limit: history.limit,
      peers: {
        known: views.length,
        both: count((s) => s === "both"),
        one_way: count((s) => s === "outbound-only" || s === "inbound-only"),
        not_connected: count((s) => s === "none"),
      },
      event_clients: events.clientCount,
    };
  };

  const routes: Record<string, Route> = {
    ...webRoutes(),
    "/peers": {
      GET: ({ response }) => {
        const answer: PeersAnswer = { peers: peerViews(peers.list(), { port: config.port, now: now() }) };
        json(response, 200, answer);
      },
    },
    "/health": { GET: ({ response }) => json(response, 200, health()) },
    "/events": { GET: ({ request, response }) => events.handle(request, response) },
  };

  return {
    routes,
    events,
    close() {
      history.off("message", onMessage);
      peers.off("change", onPeer);
      events.close();
    },
  };
}
