// The probe's own TCP server on the protocol port: a target that found the probe (by its UDP or
// TCP hello) must connect back and say hello (docs/protocol.md §2). The probe answers like a quiet
// peer: its hello with an empty history, each new_message with an ack, status frames not at all.
// What a peer would refuse it refuses with the peer's own reply (parseCommand), but a new_message
// is kept for the checks either way: they say what was wrong with it.
import { createServer, type Server, type Socket } from "node:net";
import { encodeFrame } from "../protocol/encoder.js";
import { errorReply, parseCommand } from "../protocol/frames.js";
import { FrameTap, type TappedFrame } from "./frame-tap.js";
import { Notifier } from "./wait.js";

export interface BackConnection {
  readonly label: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly openedAt: number;
  readonly tap: FrameTap;
  /** Every item received and what the probe answered to it (undefined: nothing). */
  readonly exchanges: Array<{ item: TappedFrame; answer: Buffer | undefined }>;
  /** The peer_id of its hello, once it has said hello. */
  helloPeerId: string | undefined;
  helloAt: number | undefined;
  readonly newMessages: Array<{ frame: Record<string, unknown>; item: TappedFrame; at: number }>;
}

const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** All a target may send on one connection to the probe while it is probed. */
const MAX_RECEIVED_BYTES = 64 * 1024 * 1024;

export class BackChannel {
  readonly connections: BackConnection[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly changed = new Notifier();

  private constructor(private readonly server: Server) {}

  /**
   * Listens on address:port, exclusively. Resolves with the reason instead when the port is taken
   * (typically by a peer already running on this host): the checks that need it do not apply.
   */
  static listen(address: string, port: number): Promise<BackChannel | string> {
    return new Promise((resolve) => {
      const server = createServer();
      const channel = new BackChannel(server);
      server.on("connection", (socket) => channel.accept(socket));
      server.once("error", (err: NodeJS.ErrnoException) => {
        resolve(err.code === "EADDRINUSE"
          ? `TCP port ${port} is in use on this host (a peer running here?): the probe cannot listen there to see the target connect back`
          : `cannot listen on TCP ${address}:${port}: ${err.code ?? err.message}`);
      });
      server.listen({ host: address, port, exclusive: true }, () => {
        server.removeAllListeners("error");
        server.on("error", () => undefined);
        resolve(channel);
      });
    });
  }

  /** Resolves with the first value `find` returns, or undefined after `timeoutMs`. */
  waitFor<T>(find: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return this.changed.until(find, timeoutMs);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const connection: BackConnection = {
      label: `back#${this.connections.length + 1}`,
      remoteAddress: (socket.remoteAddress ?? "?").replace(/^::ffff:/, ""),
      remotePort: socket.remotePort ?? 0,
      openedAt: Date.now(),
      tap: new FrameTap(MAX_FRAME_BYTES),
      exchanges: [],
      helloPeerId: undefined,
      helloAt: undefined,
      newMessages: [],
    };
    this.connections.push(connection);
    socket.on("data", (chunk: Buffer) => {
      if (connection.tap.receivedBytes + chunk.length > MAX_RECEIVED_BYTES) {
        socket.destroy();
        return;
      }
      for (const item of connection.tap.push(chunk)) {
        const answer = this.answer(connection, item);
        connection.exchanges.push({ item, answer });
        if (answer) socket.write(answer);
      }
      this.changed.notify();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.sockets.delete(socket);
      this.changed.notify();
    });
    this.changed.notify();
  }

  private answer(connection: BackConnection, item: TappedFrame): Buffer | undefined {
    if (!item.decoded.ok) {
      return encodeFrame({ status: "error", message: `${item.decoded.error.code}: ${item.decoded.error.message}` });
    }
    const frame = item.decoded.value;
    const parsed = parseCommand(frame);
    if (parsed.kind === "status") return undefined; // never answer a status
    if (parsed.kind === "refused") {
      if (parsed.command === "new_message") connection.newMessages.push({ frame, item, at: Date.now() });
      return encodeFrame(errorReply(parsed.refusal));
    }
    const { command } = parsed;
    if (command.command === "hello") {
      connection.helloPeerId ??= command.peer_id;
      connection.helloAt ??= Date.now();
      // An empty history: the probe has no chat of its own to share.
      return encodeFrame({ status: "ok", messages: {} });
    }
    connection.newMessages.push({ frame, item, at: Date.now() });
    return encodeFrame({ status: "ok" });
  }
}
