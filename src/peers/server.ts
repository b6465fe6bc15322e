import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { ChatMessage } from "../history/history.js";
import type { StoreMessage } from "../history/intake.js";
import { errorText } from "../log/error-text.js";
import type { Logger } from "../log/logger.js";
import { LogThrottle } from "../log/throttle.js";
import { encodeFrame } from "../protocol/encoder.js";
import { NO_STATS, type StatsSink } from "../stats/stats.js";
import { handleCommand, type CommandContext } from "./commands.js";
import { FramedSocket, type CloseReason } from "./framed-socket.js";
import { routeAcceptedReads } from "./read-route.js";

/** An accepted connection as others see it (the peer table): where it comes from. The server alone drives it. */
export interface InboundConnection {
  readonly remoteAddress: string;
}

/** The server's limits; all may change while it runs and apply to the next connection or frame. */
export interface PeerServerSettings {
  /** Our own peer_id: a connection that says hello with it is not another peer. */
  ownPeerId: string;
  maxFrameBytes: number;
  maxWriteBufferBytes: number;
  maxMessageBytes: number;
  introTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

const DEFAULTS: Omit<PeerServerSettings, "ownPeerId"> = {
  maxFrameBytes: 1_048_576,
  maxWriteBufferBytes: 16_777_216,
  maxMessageBytes: 65_536,
  introTimeoutMs: 10_000,
  maxConnections: 2048,
  maxConnectionsPerAddress: 8,
};

/** What the server needs to answer: a read of the history and the intake's door, as functions. */
export interface PeerServerCollaborators {
  logger: Logger;
  /** Our history, oldest first, for the hello reply (docs/protocol.md §2). */
  snapshot(): Record<string, ChatMessage>;
  /** The history intake: its verdict is the ack of a new_message. */
  store: StoreMessage;
  stats?: StatsSink;
  /** Whether a new_message from `address` may name its author in its peer_id field (commands.ts). */
  mayBeAuthor?(claimed: string, address: string): boolean;
}

export interface PeerServerEvents {
  /** A connection said hello as `peerId` from `address` (a sign of life, docs/protocol.md §2). */
  introduced: [peerId: string, address: string, connection: InboundConnection];
  /** A connection that had introduced itself as `peerId` closed (`reason`), or introduced itself
   *  anew (no reason). Whoever listens says it in the log: the server says it at debug only. */
  departed: [peerId: string, connection: InboundConnection, reason?: CloseReason];
}

/**
 * The TCP server other peers connect to (docs/protocol.md §2): it answers hello with our history and
 * hands each new_message to the intake under the peer_id that connection introduced itself with.
 * It tells nobody directly who connected: it emits `introduced` and `departed`, and the wiring
 * (node.ts) passes that on to the peer table. Accepted connections are never closed for being
 * idle once introduced (docs/protocol.md "What real peers do"); one that never says hello is closed
 * after intro_timeout, and connections beyond the limits (in all, per address) are refused, so
 * one host cannot lock the others out.
 */
export class PeerServer extends EventEmitter<PeerServerEvents> {
  private readonly server: Server;
  private readonly connections = new Set<FramedSocket>();
  private readonly perAddress = new Map<string, number>();
  /** Refusals are said once per address until it is let in again: a flood must not flood the log too. */
  private readonly refusalsSaid = new LogThrottle(Infinity);
  /** "a hello with our own peer_id": said once a minute per address. */
  private readonly ownIdWarnings = new LogThrottle(60_000);
  private settings: PeerServerSettings;
  private readonly stats: StatsSink;

  constructor(
    private readonly collaborators: PeerServerCollaborators,
    settings: Partial<PeerServerSettings> & Pick<PeerServerSettings, "ownPeerId">,
  ) {
    super();
    this.settings = { ...DEFAULTS, ...settings };
    this.stats = collaborators.stats ?? NO_STATS;
    // Accepted paused, so that its reads can be routed to the connection's decoder before the
    // first one (read-route.ts); every path below resumes it.
    this.server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** New limits (config reload): connections and frames from now on are held to them. */
  reconfigure(settings: Partial<Omit<PeerServerSettings, "ownPeerId">>): void {
    this.settings = { ...this.settings, ...settings };
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, exclusive: true, backlog: 511 }, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  close(): Promise<void> {
    for (const connection of this.connections) {
      connection.close({ code: "E_SHUTDOWN", message: "shutting down" });
      connection.socket.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? "unknown";
    const refusal = this.refusal(address);
    if (refusal) {
      this.stats.countReason("refused", "E_TOO_MANY_CONNECTIONS");
      if (this.refusalsSaid.allows(address)) this.collaborators.logger.warn(`refusing connections from ${address}: ${refusal}`);
      socket.on("error", () => {});
      // Read and dropped: what it sent, left unread, would make the kernel reset the connection
      // at close, and the reply might never be read.
      socket.resume();
      socket.end(encodeFrame({ status: "error", message: refusal }));
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.refusalsSaid.forget(address);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.serve(socket, address);
  }

  private refusal(address: string): string | undefined {
    const { maxConnections, maxConnectionsPerAddress } = this.settings;
    if (this.connections.size >= maxConnections) {
      return `E_TOO_MANY_CONNECTIONS: ${maxConnections} connections open, try again later`;
    }
    if ((this.perAddress.get(address) ?? 0) >= maxConnectionsPerAddress) {
      return `E_TOO_MANY_CONNECTIONS: ${maxConnectionsPerAddress} connections from ${address} open already`;
    }
    return undefined;
  }

  private serve(socket: Socket, address: string): void {
    const { logger, snapshot, store } = this.collaborators;
    const { stats } = this;
    // Limits as they are when the connection opens; the message size is read per frame instead.
    const settings = this.settings;
    const current = () => this.settings;
    let remotePeerId: string | undefined;
    const reads = routeAcceptedReads(socket);
    const connection = new FramedSocket(socket, {
      ...(reads ? { reads } : {}),
      maxFrameBytes: settings.maxFrameBytes,
      maxBufferedWriteBytes: settings.maxWriteBufferBytes,
      counter: {
        frameIn: () => stats.count("framesIn", remotePeerId),
        frameOut: () => stats.count("framesOut", remotePeerId),
        refused: (code) => stats.countReason("refused", code, remotePeerId),
      },
    });
    this.connections.add(connection);
    logger.debug(`inbound connection from ${address}`);

    let introTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      const why = `no hello within ${settings.introTimeoutMs} ms`;
      connection.sendError(`E_INTRO_TIMEOUT: ${why}`);
      connection.close({ code: "E_INTRO_TIMEOUT", message: why });
    }, settings.introTimeoutMs);

    const context: CommandContext = {
      get maxMessageBytes() {
        return current().maxMessageBytes;
      },
      get remotePeerId() {
        return remotePeerId;
      },
      snapshot,
      store,
      remoteAddress: address,
      mayBeAuthor: (claimed: string) => this.collaborators.mayBeAuthor?.(claimed, address) ?? false,
      introduce: (peerId: string) => {
        // A hello with our own peer_id is another program using our name, or one forging it: its
        // messages would be stored, and shown, as the user's own. Refused; it stays unintroduced.
        if (peerId === settings.ownPeerId) {
          this.ownIdWarnings.allows(address) &&
            logger.warn(`refused a hello from ${address} with our own peer_id ${JSON.stringify(peerId)}`);
          return { code: "E_OWN_PEER_ID", why: `${JSON.stringify(peerId)} is this peer's own peer_id; choose another` };
        }
        clearTimeout(introTimer);
        introTimer = undefined;
        if (remotePeerId !== undefined && remotePeerId !== peerId) this.emit("departed", remotePeerId, connection);
        const first = remotePeerId !== peerId;
        remotePeerId = peerId;
        // At debug: our own "connected to" line is the one a user reads for a peer joining; the
        // Peer says this connection at info only when it is news (peer.ts, attachInbound).
        if (first) logger.debug(`${peerId} connected to us from ${address}`);
        // Told once the reply is on its way (below): what listeners do (connect back, update the
        // peer table and its views) must not hold up the answer the peer waits for.
        introduced = peerId;
        return undefined;
      },
    };

    /** Set by a hello that introduced the peer; emitted after the hello's reply is written. */
    let introduced: string | undefined;
    connection.on("frame", (frame) => {
      const reply = handleCommand(frame, context);
      if (reply) connection.send(reply);
      else logger.debug(`ignored a status frame from ${remotePeerId ?? address}`);
      if (introduced !== undefined) {
        const peerId = introduced;
        introduced = undefined;
        // A write that failed (the buffer limit) has closed it, and "departed" was told already.
        if (!connection.closed) this.emit("introduced", peerId, address, connection);
      }
    });
    connection.on("fault", (err) => logger.error(`handling a frame from ${remotePeerId ?? address} failed: ${errorText(err)}`));
    connection.on("badFrame", (error) => {
      logger.debug(`bad frame from ${remotePeerId ?? address}: ${error.code} ${error.message}`);
      connection.sendError(`${error.code}: ${error.message}`);
    });
    connection.on("close", (reason: CloseReason) => {
      clearTimeout(introTimer);
      this.connections.delete(connection);
      stats.countReason("closed", reason.code, remotePeerId);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      if (remotePeerId === undefined) {
        logger.debug(`inbound connection from ${address} closed: ${reason.message}`);
        return;
      }
      // Not said here: the listener says it (peers/peer.ts detachInbound), beside our own
      // connection's end, so that a peer leaving is one line, at info or debug, never two; and at
      // shutdown, where we close it, not at all. (Our own peer_id never gets this far: introduce refuses it.)
      this.emit("departed", remotePeerId, connection, reason);
    });
    socket.resume();
  }
}
