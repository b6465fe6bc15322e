import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log/logger.js";
import { json } from "./io.js";

export interface EventStreamOptions {
  logger: Logger;
  /** A comment line this often keeps proxies and NAT boxes from closing an idle stream. */
  heartbeatMs?: number;
  /** Bytes a client may leave unread before it is dropped: a stalled tab must not grow our memory. */
  maxBufferedBytes?: number;
  /** Open streams at most; one more is answered 503. */
  maxClients?: number;
  /** What the browser waits before reconnecting after the stream ends (the SSE `retry:` field). */
  retryMs?: number;
  /**
   * Told when the first client comes (true) and the last goes (false): work done only for the
   * streams (a peer's view at every change of it) can stop while nobody listens.
   */
  onListening?: (listening: boolean) => void;
}

const DEFAULTS = { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024, maxClients: 64, retryMs: 2_000 };

/** One server-sent event: `event:` and a one-line `data:` (JSON escapes CR and LF, so it stays one line). */
export function encodeEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * GET /events: a server-sent event stream to every open client (the web page, `p2pchat messages
 * --follow`). Each event is encoded once and written to all; a client that does not read is cut
 * off once it has maxBufferedBytes waiting (its EventSource reconnects and reloads the state),
 * so memory stays bounded by maxClients × maxBufferedBytes however slow the clients are.
 */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly options: Required<Omit<EventStreamOptions, "onListening">> & Pick<EventStreamOptions, "onListening">;
  private closed = false;

  constructor(options: EventStreamOptions) {
    this.options = { ...DEFAULTS, ...options };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** The route handler: keeps the response open and registers it until the client goes. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (this.closed) {
      json(response, 503, { status: "error", message: "shutting down" });
      return;
    }
    if (this.clients.size >= this.options.maxClients) {
      response.setHeader("Retry-After", "5");
      json(response, 503, { status: "error", message: `too many event streams open (${this.options.maxClients})` });
      return;
    }
    response.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      // nginx and similar buffer responses unless told not to; events must arrive as they happen.
      "X-Accel-Buffering": "no",
    });
    if (request.method === "HEAD") {
      response.end();
      return;
    }
    // The comment makes the browser fire `open` at once, before the first real event.
    response.write(`retry: ${this.options.retryMs}\n: p2pchat events\n\n`);
    this.clients.add(response);
    if (this.clients.size === 1) this.options.onListening?.(true);
    response.on("close", () => this.remove(response));
    this.heartbeat ??= setInterval(() => this.broadcast(": heartbeat\n\n"), this.options.heartbeatMs);
  };

  publish(event: string, data: unknown): void {
    if (this.clients.size > 0) this.broadcast(encodeEvent(event, data));
  }

  /** Ends every stream (at shutdown); new ones are refused from now on. */
  close(): void {
    this.closed = true;
    for (const client of this.clients) client.end();
    const listened = this.clients.size > 0;
    this.clients.clear();
    this.stopHeartbeat();
    if (listened) this.options.onListening?.(false);
  }

  private broadcast(chunk: string): void {
    for (const client of this.clients) {
      client.write(chunk);
      if (client.writableLength > this.options.maxBufferedBytes) {
        this.options.logger.warn(`event stream to ${client.req.socket.remoteAddress ?? "?"} dropped: ` +
          `over ${this.options.maxBufferedBytes} bytes unread`);
        this.remove(client);
        client.destroy();
      }
    }
  }

  private remove(client: ServerResponse): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size > 0) return;
    this.stopHeartbeat();
    this.options.onListening?.(false);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
