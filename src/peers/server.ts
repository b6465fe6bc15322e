import { createServer, type Server, type Socket } from "node:net";
import type { Config } from "../config/types.js";
import type { History } from "../history/history.js";
import type { Logger } from "../log/logger.js";
import { handleCommand } from "./commands.js";
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
 * connections are never closed for being idle (PROTOCOL.md "What real peers do").
 */
export class PeerServer {
  private readonly server: Server;
  private readonly connections = new Set<FramedSocket>();

  constructor(private readonly options: PeerServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, exclusive: true }, () => {
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
    const { config, history, logger, peers } = this.options;
    const connection = new FramedSocket(socket, { maxFrameBytes: config.tcp.maxFrameBytes });
    const address = connection.remoteAddress;
    let remotePeerId: string | undefined;
    this.connections.add(connection);
    logger.debug(`inbound connection from ${address}`);

    const context = {
      ownPeerId: config.peerId,
      history,
      logger,
      remoteAddress: address,
      get remotePeerId() {
        return remotePeerId;
      },
      introduce(peerId: string) {
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
    connection.on("badFrame", (error) => {
      logger.debug(`bad frame from ${remotePeerId ?? address}: ${error.code} ${error.message}`);
      connection.sendError(`${error.code}: ${error.message}`);
    });
    connection.on("close", (reason) => {
      this.connections.delete(connection);
      if (remotePeerId === undefined) {
        logger.debug(`inbound connection from ${address} closed: ${reason.message}`);
        return;
      }
      peers.detachInbound(remotePeerId, connection);
      logger.info(`${remotePeerId} disconnected from us (${address}): ${reason.message} (${reason.code})`);
    });
  }
}
