import { createServer, type Server, type Socket } from "node:net";
import type { Config } from "../config/types.js";
import type { History } from "../history/history.js";
import { errorText } from "../log/error-text.js";
import type { Logger } from "../log/logger.js";
import { encodeFrame } from "../protocol/encoder.js";
import { handleCommand, type CommandContext } from "./commands.js";
import { FramedSocket } from "./framed-socket.js";
import type { PeerTable } from "./peer-table.js";

export interface PeerServerOptions {
  config: Config;
  history: History;
  peers: PeerTable;
  logger: Logger;
}

/**
 * The TCP server other peers connect to (PROTOCOL.md §2): it answers hello with our history and
 * stores each new_message under the peer_id that connection introduced itself with. Accepted
 * connections are never closed for being idle once introduced (PROTOCOL.md "What real peers
 * do"); one that never says hello is closed after intro_timeout, and connections beyond the
 * limits (in all, per address) are refused, so one host cannot lock the others out.
 */
export class PeerServer {
  private readonly server: Server;
  private readonly connections = new Set<FramedSocket>();
  private readonly perAddress = new Map<string, number>();
  private refusalsLogged = new Set<string>();

  constructor(private readonly options: PeerServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
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
      // Said once per address until it is let in again: a flood must not flood the log too.
      if (!this.refusalsLogged.has(address)) {
        this.refusalsLogged.add(address);
        this.options.logger.warn(`refusing connections from ${address}: ${refusal}`);
      }
      socket.on("error", () => {});
      socket.end(encodeFrame({ status: "error", message: refusal }));
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    this.refusalsLogged.delete(address);
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.serve(socket, address);
  }

  private refusal(address: string): string | undefined {
    const { maxConnections, maxConnectionsPerAddress } = this.options.config.tcp;
    if (this.connections.size >= maxConnections) {
      return `E_TOO_MANY_CONNECTIONS: ${maxConnections} connections open, try again later`;
    }
    if ((this.perAddress.get(address) ?? 0) >= maxConnectionsPerAddress) {
      return `E_TOO_MANY_CONNECTIONS: ${maxConnectionsPerAddress} connections from ${address} open already`;
    }
    return undefined;
  }

  private serve(socket: Socket, address: string): void {
    const { config, history, logger, peers } = this.options;
    const connection = new FramedSocket(socket, {
      maxFrameBytes: config.tcp.maxFrameBytes,
      maxBufferedWriteBytes: config.tcp.maxWriteBufferBytes,
    });
    let remotePeerId: string | undefined;
    this.connections.add(connection);
    logger.debug(`inbound connection from ${address}`);

    let introTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      const why = `no hello within ${config.tcp.introTimeoutMs} ms`;
      connection.sendError(`E_INTRO_TIMEOUT: ${why}`);
      connection.close({ code: "E_INTRO_TIMEOUT", message: why });
    }, config.tcp.introTimeoutMs);

    const context: CommandContext = {
      ownPeerId: config.peerId,
      history,
      logger,
      remoteAddress: address,
      maxMessageBytes: config.history.maxMessageBytes,
      get remotePeerId() {
        return remotePeerId;
      },
      introduce(peerId: string) {
        clearTimeout(introTimer);
        introTimer = undefined;
        if (remotePeerId !== undefined && remotePeerId !== peerId) peers.detachInbound(remotePeerId, connection);
        const first = remotePeerId !== peerId;
        remotePeerId = peerId;
        if (peerId === config.peerId) {
          logger.warn(`a connection from ${address} introduced itself with our own peer_id ${peerId}`);
          return;
        }
        if (first) logger.info(`${peerId} connected to us from ${address}`);
        // A hello is a sign of life too: connect back if we have no connection to it yet.
        peers.seen(peerId, address, "tcp-hello");
        peers.attachInbound(peerId, connection);
      },
    };

    connection.on("frame", (frame) => {
      const reply = handleCommand(frame, context);
      if (reply) connection.send(reply);
      else logger.debug(`ignored a status frame from ${remotePeerId ?? address}`);
    });
    connection.on("fault", (err) => logger.error(`handling a frame from ${remotePeerId ?? address} failed: ${errorText(err)}`));
    connection.on("badFrame", (error) => {
      logger.debug(`bad frame from ${remotePeerId ?? address}: ${error.code} ${error.message}`);
      connection.sendError(`${error.code}: ${error.message}`);
    });
    connection.on("close", (reason) => {
      clearTimeout(introTimer);
      this.connections.delete(connection);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
      if (remotePeerId === undefined) {
        logger.debug(`inbound connection from ${address} closed: ${reason.message}`);
        return;
      }
      peers.detachInbound(remotePeerId, connection);
      logger.info(`${remotePeerId} disconnected from us (${address}): ${reason.message} (${reason.code})`);
    });
  }
}
