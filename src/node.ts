import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { applyReload, type ReloadPlan } from "./config/reload.js";
import type { Config } from "./config/types.js";
import { Discovery } from "./discovery/discovery.js";
import { reachesOwnServer } from "./discovery/local-address.js";
import { History, type StoredMessage } from "./history/history.js";
import { HistoryFile } from "./history/history-file.js";
import { createHttpApi } from "./http/api.js";
import { createChatRoutes, type ChatRoutes } from "./http/chat-routes.js";
import type { Logger } from "./log/logger.js";
import { PeerServer } from "./peers/server.js";
import { PeerTable } from "./peers/peer-table.js";

export interface ChatNodeOptions {
  /** Address of the UDP and TCP sockets; only 0.0.0.0 receives broadcasts, tests bind 127.x. */
  bindAddress?: string;
  /** false: no HTTP server is created at all (a library user talks to the node in-process). */
  http?: boolean;
}

/** One running peer: discovery, the peer table, the TCP server and the HTTP API, wired together. */
export class ChatNode {
  readonly history: History;
  readonly peers: PeerTable;
  private readonly server: PeerServer;
  private readonly discovery: Discovery;
  /** undefined when the options say `http: false`. */
  private readonly http: Server | undefined;
  /** The chat page, /peers, /health and /events beside the protocol's endpoints. */
  readonly chat: ChatRoutes;
  /** [HISTORY] file: the history kept across restarts, if configured. */
  private readonly historyFile: HistoryFile | undefined;
  private stopped = false;

  constructor(readonly config: Config, private readonly logger: Logger, private readonly options: ChatNodeOptions = {}) {
    this.history = new History(config.history.limit);
    const bindAddress = options.bindAddress ?? "0.0.0.0";
    this.peers = new PeerTable({
      config,
      history: this.history,
      logger,
      isOwnAddress: (address) => reachesOwnServer(address, bindAddress),
    });
    this.server = new PeerServer({ config, history: this.history, peers: this.peers, logger });
    this.discovery = new Discovery({
      peerId: config.peerId,
      port: config.port,
      broadcastAddress: config.broadcastAddress,
      intervalMs: config.discovery.intervalMs,
      logger,
      ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
    });
    this.discovery.on("peer", (peerId, address, via) => this.peers.seen(peerId, address, via));
    this.historyFile = config.history.file
      ? new HistoryFile(config.history.file, this.history, logger, config.history.maxMessageBytes)
      : undefined;
    this.chat = createChatRoutes({ config, history: this.history, peers: this.peers, logger });
    this.http = options.http === false ? undefined : createHttpApi({
      history: this.history,
      logger,
      send: (text) => this.send(text),
      maxMessageBytes: () => config.history.maxMessageBytes,
    }, this.chat.routes);
  }

  /** Starts listening everywhere; resolves once UDP, TCP and HTTP all accept traffic. */
  async start(): Promise<void> {
    const bind = this.options.bindAddress ?? "0.0.0.0";
    try {
      // The saved history first: the first peer to say hello gets it back in our answer.
      this.historyFile?.load();
      this.historyFile?.watch();
      // TCP and HTTP first, so that peers answering our first broadcast find us listening.
      await this.server.listen(bind, this.config.port);
      if (this.http) await listenHttp(this.http, this.config.http.bind, this.config.http.port);
      await this.discovery.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Our own new message: stored, then queued to every known peer (PROTOCOL.md §4 /send). */
  send(text: string): StoredMessage {
    const message = this.history.addOwn(this.config.peerId, text);
    const count = this.peers.broadcast(message);
    this.logger.info(`message ${message.id} sent to ${count} peer${count === 1 ? "" : "s"} (${text.length} chars)`);
    return message;
  }

  /**
   * Takes over what can change while running from a re-read config (SIGHUP). `this.config` is the
   * object the peer table and the server read at each use, so updating it is most of the work.
   */
  reconfigure(next: Config): ReloadPlan {
    const plan = applyReload(this.config, next);
    this.history.setLimit(this.config.history.limit);
    this.discovery.retune({
      broadcastAddress: this.config.broadcastAddress,
      intervalMs: this.config.discovery.intervalMs,
    });
    return plan;
  }

  get httpAddress(): AddressInfo {
    if (!this.http) throw new Error("this node runs no HTTP server (http: false)");
    return this.http.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.peers.stop();
    this.chat.close();
    this.http?.closeAllConnections();
    await Promise.all([
      this.discovery.stop(),
      this.server.close(),
      this.http && new Promise<void>((resolve) => this.http?.close(() => resolve())),
      this.historyFile?.close(),
    ]);
  }
}

function listenHttp(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
