import { request, type IncomingHttpHeaders } from "node:http";
import { EventStreamParser, type ReceivedEvent } from "../../src/http/sse-parser.js";
import { waitFor } from "./wait.js";

/** A GET /events stream read the way a client reads it, for tests to wait on what it delivers. */
export interface OpenEvents {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every byte received, as text. */
  raw(): string;
  events: ReceivedEvent[];
  /** The first event (of this stream) matching `test`, waiting up to timeoutMs. */
  find(test: (event: ReceivedEvent) => boolean, what: string, timeoutMs?: number): Promise<ReceivedEvent>;
  readonly closed: Promise<void>;
  close(): void;
}

export function openEvents(url: string): Promise<OpenEvents> {
  return new Promise((resolve, reject) => {
    const parser = new EventStreamParser();
    const events: ReceivedEvent[] = [];
    let raw = "";
    const req = request(url, { agent: false, headers: { Accept: "text/event-stream" } }, (res) => {
      res.setEncoding("utf8");
      const closed = new Promise<void>((done) => res.on("close", () => done()));
      res.on("data", (chunk: string) => {
        raw += chunk;
        events.push(...parser.push(chunk));
      });
      res.on("error", () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        raw: () => raw,
        events,
        find: (test, what, timeoutMs = 3_000) =>
          waitFor(() => events.find(test), { timeoutMs, intervalMs: 5, what }),
        closed,
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}
