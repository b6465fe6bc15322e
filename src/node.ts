import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterThisTurn } from "./after-turn.js";
import { identityFileFor } from "./bridge/identity-file.js";
import { bridgeVia, isBridgeVia } from "./bridge/payload.js";
import { readRoomKeyFile } from "./bridge/room-key.js";
import type { BridgeHost, BridgeSettings, RunningBridge } from "./bridge/types.js";
import { interfaceBroadcasts, type InterfaceBroadcast } from "./config/defaults.js";
import { applyReload, type ReloadPlan } from "./config/reload.js";
import type { Config } from "./config/types.js";
import { hostInterfaces, hostInterfacesWithoutWaiting } from "./discovery/host-interfaces.js";
import { Discovery, type DiscoverySettings } from "./discovery/discovery.js";
import { reachesOwnServer } from "./discovery/local-address.js";
import { reachOf, segmentOf, type Reach } from "./discovery/reach.js";
import { UnicastTargets } from "./discovery/unicast-targets.js";
import { History, type ChatMessage, type StoredMessage } from "./history/history.js";
import { HistoryFile } from "./history/history-file.js";
import { MessageIntake, type IntakeOptions } from "./history/intake.js";
import { createHttpApi } from "./http/api.js";
import { createChatRoutes, type ChatRoutes, type ChatSettings } from "./http/chat-routes.js";
import type { BridgeView } from "./http/wire.js";
import type { Logger } from "./log/logger.js";
import { LogThrottle } from "./log/throttle.js";
import { newestWithinBudget } from "./policy/reply-budget.js";
import { handleCommand } from "./peers/commands.js";
import { OutboundConnection, type ConnectTarget, type OutboundSettings } from "./peers/outbound.js";
import { PeerServer, type PeerServerSettings } from "./peers/server.js";
import { PeerTable, type PeerTableSettings } from "./peers/peer-table.js";
import { relayTargets } from "./peers/relay.js";
import { RememberedPeers, rememberedFileFor } from "./peers/remembered.js";
import { Stats } from "./stats/stats.js";

export interface StartOptions {
  /**
   * "at-start" (the default): the first hello goes out as soon as the UDP socket listens.
   * "later": start() leaves it to sayHello(). Every peer that hears a hello answers and connects at
   * once, so a peer still busy with its own start when they do makes all of them wait.
   */
  firstHello?: "at-start" | "later";
}

export interface ChatNodeOptions {
  /** Address of the UDP and TCP sockets; only 0.0.0.0 receives broadcasts, tests bind 127.x. */
  bindAddress?: string;
  /** false: no HTTP server is created at all (a library user talks to the node in-process). */
  http?: boolean;
}

/**
 * One running peer: discovery, the peer table, the TCP server, the history and the HTTP API,
 * wired together here and nowhere else. Data flows one way (docs/architecture.md): discovery
 * and the server report what they heard, the peer table decides, the history intake stores; each
 * part gets its own slice of the config, and a reload hands each part its new slice.
 */
export class ChatNode {
  /** Read access and "message" events; every write goes through the intake. */
  readonly history: History;
  readonly peers: PeerTable;
  /** Frames, messages, refusals and drops, in total and per peer (GET /stats). */
  readonly stats = new Stats();
  /** The chat page, /peers, /health, /stats and /events beside the protocol's endpoints. */
  readonly chat: ChatRoutes;
  private readonly intake: MessageIntake;
  private readonly server: PeerServer;
  private readonly discovery: Discovery;
  /** undefined when the options say `http: false`. */
  private readonly http: Server | undefined;
  /** [HISTORY] file: the history kept across restarts, if configured. */
  private readonly historyFile: HistoryFile | undefined;
  /** Our own copy: nobody else holds it, and only reconfigure() changes it. */
  private readonly running: Config;
  private stopped = false;
  private logFlush: NodeJS.Timeout | undefined;
  /** "the oldest messages left out of a hello reply": said once a minute. */
  private readonly replyTrimWarnings = new LogThrottle(60_000);
  /** Static and remembered peers, greeted by unicast (docs/getting-started.md "Across networks"). */
  private readonly unicast: UnicastTargets;
  /** The peers we were connected to, kept beside the history file, if there is one. */
  private readonly remembered: RememberedPeers | undefined;
  private rememberedSaver: NodeJS.Timeout | undefined;
  /** The bridge to a libp2p room ([BRIDGE]), once started; undefined when none is configured. */
  private bridge: RunningBridge | undefined;
  private bridgeStarting: Promise<RunningBridge> | undefined;
  /** Our LAN interfaces, worked out from the host's newest reading of them (host-interfaces.ts:
   *  the hello's, every interval when it broadcasts on every interface, or one at most
   *  INTERFACES_MAX_AGE_MS old when a message asks first, read after that message's turn):
   *  every relayed message asks for every peer's reach. */
  private interfacesRead: { reading: object; list: InterfaceBroadcast[] } | undefined;
  /** Each address's reach, for as long as the interfaces read with it: every message received
   *  asks for the reach of every peer (the relay rule), which is the same answer all second. */
  private readonly reaches = new Map<string, { reach: Reach; segment: string }>();
  /** The one segment every peer in the table is on (undefined if they are on several, or none),
   *  as of the table's revision, forgotten with the reaches: in a room on one LAN no message is
   *  relayed, and every message received asked so of every peer. */
  private peersSegment: { revision: number; segment: string | undefined } | undefined;

  constructor(config: Config, private readonly logger: Logger, private readonly options: ChatNodeOptions = {}) {
    const running = (this.running = structuredClone(config));
    const bindAddress = options.bindAddress ?? "0.0.0.0";
    const stats = this.stats;

    this.history = new History(running.history.limit);
    this.intake = new MessageIntake(this.history, logger, stats, intakeSettings(running));
    this.unicast = new UnicastTargets(running.port, logger);
    this.unicast.setStatic(running.peers.static);
    const snapshot = () => this.helloReply();
    const store = this.intake.receive.bind(this.intake);

    this.peers = new PeerTable({
      connect: (target) => this.connect(target),
      logger,
      stats,
      isOwnAddress: (address) => reachesOwnServer(address, bindAddress),
      reachOf: (host) => this.reachOf(host),
    }, peerTableSettings(running));
    this.peers.on("history", (peerId, messages, host) => this.intake.receiveHistory(peerId, messages, { address: host }));

    this.server = new PeerServer({
      logger, snapshot, store, stats,
      mayBeAuthor: (claimed, address) => this.peers.mayBeAuthorFrom(claimed, address),
    }, serverSettings(running));
    this.server.on("introduced", (peerId, address, connection) => {
      // A hello is a sign of life too: connect back if we have no connection to it yet.
      this.peers.seen(peerId, address, "tcp-hello");
      this.peers.attachInbound(peerId, connection);
    });
    this.server.on("departed", (peerId, connection, reason) => this.peers.detachInbound(peerId, connection, reason));

    this.discovery = new Discovery({
      peerId: running.peerId,
      port: running.port,
      logger,
      bindAddress,
      // Read afresh for every hello that broadcasts on them: an interface that came up is used at once.
      interfaces: () => this.interfaces(0),
      unicastTargets: async () => {
        const before = this.unicast.revision;
        const targets = await this.unicast.resolve();
        // A static name that resolves elsewhere changes which address is "static": worked out again.
        if (this.unicast.revision !== before) this.forgetReaches();
        return targets;
      },
      onPeer: (peerId, address, via) => this.peers.seen(peerId, address, via),
      ...discoverySettings(running),
    });
    // A message new to us, from a peer or a peer's hello reply, goes on to the other segments
    // (peers/relay.ts); ours and the history file's have no `via` and are not relayed. It goes to
    // the bridge's room too, unless it came from there (ours: send() publishes it). Both after the
    // turn that stored it: the ack (written right after the store) goes out first.
    this.history.on("message", (message) => {
      const { via } = message;
      if (via === undefined) return;
      const relayed = this.mayRelayFrom(via);
      const published = this.bridge !== undefined && !isBridgeVia(via);
      if (!relayed && !published) return;
      afterThisTurn(() => {
        if (relayed) this.relay(message);
        if (published) this.bridge?.publish(message);
      });
    });

    this.remembered = running.history.file
      ? new RememberedPeers(rememberedFileFor(running.history.file), running.peers.forgetAfterDays * 86_400_000, logger)
      : undefined;

    this.historyFile = running.history.file
      ? new HistoryFile(running.history.file, this.history, (saved) => this.intake.restore(saved), logger)
      : undefined;
    this.chat = createChatRoutes({
      settings: chatSettings(running), history: this.history, peers: this.peers, stats, logger,
      bridge: () => this.bridge?.view() ?? null,
    });
    this.http = options.http === false ? undefined : createHttpApi({
      history: this.history,
      logger,
      send: (text) => this.send(text),
      maxMessageBytes: () => this.running.history.maxMessageBytes,
    }, this.chat.routes);
  }

  /** The settings the node runs on (after reloads), for reading. */
  get config(): Readonly<Config> {
    return this.running;
  }

  /**
   * Starts listening everywhere; resolves once UDP, TCP and HTTP all accept traffic. The first
   * hello goes out as soon as UDP listens, or, with `firstHello: "later"`, at sayHello(): for a
   * caller with start work of its own to finish first (the daemon, cli/daemon.ts).
   */
  async start({ firstHello = "at-start" }: StartOptions = {}): Promise<void> {
    const bind = this.options.bindAddress ?? "0.0.0.0";
    try {
      // The saved history first: the first peer to say hello gets it back in our answer.
      this.historyFile?.load();
      this.historyFile?.watch();
      // TCP and HTTP first, so that peers answering our first broadcast find us listening.
      await this.server.listen(bind, this.running.port);
      if (this.http) await listenHttp(this.http, this.running.http.bind, this.running.http.port);
      // The peers we were connected to are dialled before any broadcast goes out, and greeted by
      // unicast at every hello: across a router no broadcast would ever find them again.
      this.dialRemembered();
      await this.discovery.start();
      if (firstHello === "at-start") this.discovery.startHellos();
      if (bridgeConfigured(this.running)) await this.startBridge();
      // Floods are logged as a few lines and a count; the counts are said once a minute.
      this.logFlush = setInterval(() => {
        this.intake.flushLog();
        this.peers.flushLog();
        this.bridge?.flushLog();
      }, 60_000).unref();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * Our first hello, and one every interval after, for a start() told `firstHello: "later"`.
   * Nothing once hellos go out, or once the node is stopped.
   */
  sayHello(): void {
    this.discovery.startHellos();
  }

  /**
   * Joins the libp2p room ([BRIDGE]). libp2p is loaded here, by one dynamic import, and only when
   * a bridge is configured: a peer without one never loads it (docs/architecture.md "The bridge").
   */
  private async startBridge(): Promise<void> {
    const { bridge: config } = this.running;
    const key = readRoomKeyFile(config.keyFile);
    if ("problem" in key) throw new Error(`[BRIDGE] key_file ${config.keyFile}: ${key.problem}`);
    const settings: BridgeSettings = {
      listen: config.listen,
      peers: config.peers,
      room: config.room,
      key: key.key,
      identityFile: identityFileFor({ identityFile: config.identityFile, historyFile: this.running.history.file }),
      retryMinMs: this.running.tcp.retryMinMs,
      // A site that comes back must be back in the room within seconds, whatever retry_max says.
      retryMaxMs: Math.min(this.running.tcp.retryMaxMs, BRIDGE_RETRY_MAX_MS),
      maxCatchUpBytes: this.running.tcp.maxHelloReplyBytes,
      catchUpTimeoutMs: this.running.tcp.helloTimeoutMs,
    };
    const host: BridgeHost = {
      logger: this.logger,
      stats: this.stats,
      maxMessageBytes: () => this.running.history.maxMessageBytes,
      receive: (message, publisher) =>
        this.intake.receive(message.id, { peer_id: message.peer_id, message: message.message }, { address: bridgeVia(publisher) }),
      receiveHistory: (messages, from) => this.intake.receiveHistory(bridgeVia(from), messages, { address: bridgeVia(from) }),
      stored: (id) => this.history.get(id),
      snapshot: () => this.helloReply(),
    };
    const { startBridge } = await import("./bridge/index.js");
    this.bridgeStarting = startBridge(settings, host);
    const bridge = await this.bridgeStarting;
    if (this.stopped) {
      await bridge.stop();
      return;
    }
    this.bridge = bridge;
  }

  /** How the peer at `host` is reached (discovery/reach.ts). */
  private reachOf(host: string): Reach {
    this.interfaces(); // read again if the reading is 5 s old: interfaces that changed forget the reaches worked out before
    return this.reachEntry(host).reach;
  }

  /** The reach of `host` and its segment, worked out once while the interfaces last. */
  private reachEntry(host: string): { reach: Reach; segment: string } {
    let entry = this.reaches.get(host);
    if (!entry) {
      // The interfaces the caller has just read (it reads them first), not a reading of our own:
      // the relay check takes an old one rather than asking the kernel before an ack.
      const interfaces = this.interfacesRead?.list ?? this.interfaces();
      const reach = reachOf(host, interfaces, (address) => this.unicast.originOf(address));
      this.reaches.set(host, (entry = { reach, segment: segmentOf(reach) }));
    }
    return entry;
  }

  /**
   * The segment of the host at `address` (peers/relay.ts), kept as long as its reach is (the
   * caller reads the interfaces first: a reading that found them changed forgets what the old list gave).
   */
  private segmentOfAddress(address: string): string {
    return isBridgeVia(address) ? "bridge" : this.reachEntry(address).segment;
  }

  /** Forgets every reach and segment worked out: the interfaces or the static and remembered peers changed. */
  private forgetReaches(): void {
    this.reaches.clear();
    this.peersSegment = undefined;
  }

  /**
   * Whether a message delivered from `via` may have anyone to be relayed to: not when every peer
   * we know is on the segment it came from (one LAN, the common room), which is known without
   * asking every peer again until a peer comes, goes or moves, or the reaches are worked out anew.
   */
  private mayRelayFrom(via: string): boolean {
    // The segments follow the interfaces (a reading at most 5 s old): this check comes before the
    // message's ack, so an older reading is read again after the turn, not here.
    this.interfacesFrom(hostInterfacesWithoutWaiting(INTERFACES_MAX_AGE_MS));
    const { revision } = this.peers;
    if (this.peersSegment?.revision !== revision) {
      let segment: string | undefined;
      for (const peer of this.peers.relayCandidates()) {
        const own = this.segmentOfAddress(peer.host);
        if (segment === undefined) segment = own;
        else if (own !== segment) {
          segment = undefined;
          break;
        }
      }
      this.peersSegment = { revision, segment };
    }
    const { segment } = this.peersSegment;
    return segment === undefined || segment !== this.segmentOfAddress(via);
  }

  private interfaces(maxAgeMs = INTERFACES_MAX_AGE_MS): InterfaceBroadcast[] {
    return this.interfacesFrom(hostInterfaces(maxAgeMs));
  }

  /** Our LAN interfaces in `reading`, worked out once per reading: another (the interfaces changed) forgets the reaches. */
  private interfacesFrom(reading: ReturnType<typeof hostInterfaces>): InterfaceBroadcast[] {
    if (this.interfacesRead?.reading !== reading) {
      this.interfacesRead = { reading, list: interfaceBroadcasts(reading) };
      this.forgetReaches();
    }
    return this.interfacesRead.list;
  }

  /** Forwards a message new to us to the peers of the other segments (peers/relay.ts). */
  private relay(message: StoredMessage): void {
    if (this.stopped) return;
    this.interfaces(); // the segments follow the interfaces (a reading at most 5 s old)
    // The bridge's room is a segment of its own: what comes from there goes to every LAN peer.
    const targets = relayTargets(message, this.peers.relayCandidates(), (address) => this.segmentOfAddress(address));
    if (targets.length === 0) return;
    const count = this.peers.forward(message, targets);
    this.stats.count("messagesRelayed", undefined, count);
    this.logger.debug(`message ${message.id} of ${message.peer_id} via ${message.via} relayed to ${targets.join(", ")}`);
  }

  private dialRemembered(): void {
    const remembered = this.remembered?.load() ?? [];
    this.unicast.setRemembered(remembered.map((peer) => peer.host));
    this.forgetReaches();
    for (const peer of remembered) {
      this.logger.info(`dialling remembered peer ${peer.peerId} at ${peer.host}`);
      this.peers.seen(peer.peerId, peer.host, "remembered");
    }
    if (this.remembered) {
      const remembered = this.remembered;
      this.rememberedSaver = setInterval(() => {
        this.recordConnected();
        remembered.save();
        this.unicast.setRemembered(remembered.list().map((peer) => peer.host));
        this.forgetReaches();
      }, 10_000).unref();
    }
  }

  /**
   * Notes the peers we are connected to now as remembered, just before each save: asked at the
   * save and not at every change of a peer, which comes with every datagram a peer sends.
   */
  private recordConnected(): void {
    const remembered = this.remembered;
    if (!remembered) return;
    for (const peer of this.peers.list()) {
      if (peer.outbound === "connected") remembered.record(peer.peerId, peer.address);
    }
  }

  /** Our own new message: stored, then queued to every known peer (docs/protocol.md §4 /send). */
  send(text: string): StoredMessage {
    const message = this.intake.own(this.running.peerId, text);
    const count = this.peers.broadcast(message);
    this.bridge?.publish(message);
    // At debug, as a received message's line: a line per message costs a chat's every message a
    // log write (and a wake-up of journald), for what the history shows anyway (bench/analysis.md).
    if (this.logger.enabled("debug")) {
      this.logger.debug(`message ${message.id} sent to ${count} peer${count === 1 ? "" : "s"} (${text.length} chars)`);
    }
    return message;
  }

  /**
   * Takes over what can change while running from a re-read config (SIGHUP): config/reload.ts
   * decides what applies, and each part gets its new slice through its own reconfigure().
   */
  reconfigure(next: Config): ReloadPlan {
    const plan = applyReload(this.running, next);
    const running = this.running;
    this.history.reconfigure({ limit: running.history.limit });
    this.intake.reconfigure(intakeSettings(running));
    const { ownPeerId: _table, ...table } = peerTableSettings(running);
    this.peers.reconfigure(table);
    const { ownPeerId: _server, ...server } = serverSettings(running);
    this.server.reconfigure(server);
    this.discovery.reconfigure(discoverySettings(running));
    this.unicast.setStatic(running.peers.static);
    this.forgetReaches();
    this.remembered?.setForgetAfterDays(running.peers.forgetAfterDays);
    this.chat.reconfigure(chatSettings(running));
    return plan;
  }

  /** The bridge as GET /peers shows it; null when none is configured (or it has not started yet). */
  get bridgeView(): BridgeView | null {
    return this.bridge?.view() ?? null;
  }

  get httpAddress(): AddressInfo {
    if (!this.http) throw new Error("this node runs no HTTP server (http: false)");
    return this.http.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.logFlush);
    clearInterval(this.rememberedSaver);
    this.recordConnected();
    this.remembered?.save();
    this.intake.flushLog();
    this.peers.flushLog();
    this.peers.stop();
    this.chat.close();
    this.http?.closeAllConnections();
    const bridge = this.bridge ?? await this.bridgeStarting?.catch(() => undefined);
    await Promise.all([
      bridge?.stop(),
      this.discovery.stop(),
      this.server.close(),
      this.http && new Promise<void>((resolve) => this.http?.close(() => resolve())),
      this.historyFile?.close(),
    ]);
  }

  /**
   * The history our hello reply carries (docs/protocol.md §2): the newest messages that fit the reply
   * budget, so that a peer which reads frames into a bounded buffer can still join
   * (policy/reply-budget.ts).
   */
  private helloReply(): Record<string, ChatMessage> {
    const entries = this.history.list().map((m) => [m.id, m] as const);
    const { messages, left } = newestWithinBudget(entries, this.running.tcp.helloReplyBudgetBytes);
    if (left > 0 && this.replyTrimWarnings.allows()) {
      this.logger.info(`hello reply: the ${left} oldest messages left out to stay within ` +
        `${this.running.tcp.helloReplyBudgetBytes} bytes ([TCP] hello_reply_budget); said once a minute`);
    }
    return messages;
  }

  /**
   * The peer table's way to open a connection: settings as they are now, counted under the peer's
   * id, and commands the peer sends on it answered as the server answers them (docs/protocol.md §2).
   */
  private connect(target: ConnectTarget): OutboundConnection {
    const { stats } = this;
    const connection = new OutboundConnection({
      ...outboundSettings(this.running),
      ...target,
      // A static entry may name its own port (HOST:PORT); every other peer listens on ours.
      port: this.unicast.portFor(target.host),
      logger: this.logger,
      counter: {
        frameIn: () => stats.count("framesIn", target.peerId),
        frameOut: () => stats.count("framesOut", target.peerId),
        refused: (code) => stats.countReason("refused", code, target.peerId),
      },
    });
    connection.on("command", (frame, respond) => respond(handleCommand(frame, {
      remotePeerId: target.peerId,
      maxMessageBytes: this.running.history.maxMessageBytes,
      remoteAddress: target.host,
      // This connection's peer is the one we connected to, whatever it says in a hello here.
      introduce: () => undefined,
      snapshot: () => this.helloReply(),
      store: (id, entry, source) => this.intake.receive(id, entry, source),
      mayBeAuthor: (claimed) => this.peers.mayBeAuthorFrom(claimed, target.host),
    })));
    return connection;
  }
}

/** The longest wait between two dials of a configured bridge (bridge.ts). */
const BRIDGE_RETRY_MAX_MS = 5_000;
/**
 * How old a reading of the interfaces may be when a message asks for a peer's reach. The hellos
 * read them every interval (5 s by default) anyway; reading them for messages too, once a second
 * as before, was 1 % of a received message's CPU in a profile at a chat's pace (os.networkInterfaces()
 * asks the kernel through a netlink socket each time).
 */
const INTERFACES_MAX_AGE_MS = 5_000;

/** A bridge is on when it listens or has bridges to dial ([BRIDGE] listen, peers). */
export function bridgeConfigured(config: Pick<Config, "bridge">): boolean {
  return config.bridge.listen.length > 0 || config.bridge.peers.length > 0;
}

// Each part's slice of the config: the only places that read a whole Config, beside src/config/.

function peerTableSettings(config: Config): Omit<PeerTableSettings, "maxIdsPerAddress"> {
  return {
    ownPeerId: config.peerId,
    ackTimeoutMs: config.tcp.ackTimeoutMs,
    maxSendAttempts: config.tcp.maxSendAttempts,
    maxQueuedMessages: config.tcp.maxQueuedMessages,
    peerTimeoutMs: config.discovery.peerTimeoutMs,
    retryMinMs: config.tcp.retryMinMs,
    retryMaxMs: config.tcp.retryMaxMs,
    helloIntervalMs: config.discovery.intervalMs,
    maxPeers: config.discovery.maxPeers,
  };
}

function intakeSettings(config: Config): Omit<IntakeOptions, "now" | "maxHistoryEntries"> & Pick<IntakeOptions, "maxHistoryEntries"> {
  return {
    maxMessageBytes: config.history.maxMessageBytes,
    maxIdAheadMs: config.history.maxIdAheadMs,
    peerRatePerSecond: config.history.peerRatePerSecond,
    peerBurst: config.history.peerBurst,
    // A received history is about one history long; ten times the limit is plenty to look at.
    maxHistoryEntries: Math.max(1_000, 10 * config.history.limit),
  };
}

function serverSettings(config: Config): PeerServerSettings {
  return {
    ownPeerId: config.peerId,
    maxFrameBytes: config.tcp.maxFrameBytes,
    maxWriteBufferBytes: config.tcp.maxWriteBufferBytes,
    maxMessageBytes: config.history.maxMessageBytes,
    introTimeoutMs: config.tcp.introTimeoutMs,
    maxConnections: config.tcp.maxConnections,
    maxConnectionsPerAddress: config.tcp.maxConnectionsPerAddress,
  };
}

function outboundSettings(config: Config): OutboundSettings {
  return {
    ownPeerId: config.peerId,
    port: config.port,
    connectTimeoutMs: config.tcp.connectTimeoutMs,
    helloTimeoutMs: config.tcp.helloTimeoutMs,
    maxFrameBytes: config.tcp.maxFrameBytes,
    maxHelloReplyBytes: config.tcp.maxHelloReplyBytes,
    maxWriteBufferBytes: config.tcp.maxWriteBufferBytes,
  };
}

function discoverySettings(config: Config): DiscoverySettings {
  return { broadcastAddress: config.broadcastAddress, intervalMs: config.discovery.intervalMs };
}

function chatSettings(config: Config): ChatSettings {
  return {
    peerId: config.peerId,
    port: config.port,
    broadcastAddress: shownBroadcast(config),
    discoveryIntervalMs: config.discovery.intervalMs,
    http: { bind: config.http.bind, port: config.http.port },
  };
}

/** The broadcast setting in words: "" is every LAN interface (discovery/broadcast-targets.ts). */
export function shownBroadcast(config: Pick<Config, "broadcastAddress">): string {
  return config.broadcastAddress === "" ? "every LAN interface's broadcast address" : config.broadcastAddress.split(",").join(", ");
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
