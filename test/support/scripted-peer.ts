import { connect, createServer, type Server, type Socket } from "node:net";
import { FrameDecoder, type DecodedFrame } from "../../src/protocol/decoder.js";

/**
 * The other side of a connection, driven by the test line by line: it records every frame it
 * receives and sends exactly the bytes the test gives it, so tests can play a careful peer or a
 * sloppy one.
 */
export class ScriptedConnection {
  readonly received: DecodedFrame[] = [];
  /** How many frames each read brought, in order (several frames sent in one write come in one read). */
  readonly reads: number[] = [];
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
  private waiters: Array<() => void> = [];
  private ended = false;
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      const frames = this.decoder.push(chunk);
      this.received.push(...frames);
      this.reads.push(frames.length);
      this.wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.on("close", () => {
      this.ended = true;
      this.wake();
      resolve();
    }));
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Sends an object as one compact line, or a string exactly as given. */
  send(data: object | string): void {
    this.socket.write(typeof data === "string" ? data : JSON.stringify(data) + "\n");
  }

  /** The n-th frame received (0-based), waiting for it up to timeoutMs. */
  async frame(n: number, timeoutMs = 3_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length <= n) {
      if (this.ended) throw new Error(`connection closed after ${this.received.length} frames, wanted #${n}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame #${n} within ${timeoutMs} ms (got ${this.received.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const decoded = this.received[n] as DecodedFrame;
    if (!decoded.ok) throw new Error(`frame #${n} did not decode: ${decoded.error.message}`);
    return decoded.value;
  }

  /** Sends a frame and returns the next frame received after it. */
  async request(data: object | string, timeoutMs = 3_000): Promise<Record<string, unknown>> {
    const n = this.received.length;
    this.send(data);
    return this.frame(n, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export async function connectScripted(host: string, port: number, localAddress?: string): Promise<ScriptedConnection> {
  const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return new ScriptedConnection(socket);
}

/** A TCP server that hands each accepted connection to the test. */
export class ScriptedServer {
  readonly connections: ScriptedConnection[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {
    server.on("connection", (socket) => {
      this.connections.push(new ScriptedConnection(socket));
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }

  static async listen(host: string, port: number): Promise<ScriptedServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port }, resolve);
    });
    return new ScriptedServer(server);
  }

  /** The n-th accepted connection (0-based), waiting for it up to timeoutMs. */
  async connection(n: number, timeoutMs = 3_000): Promise<ScriptedConnection> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.length <= n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no connection #${n} within ${timeoutMs} ms (got ${this.connections.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.connections[n] as ScriptedConnection;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
