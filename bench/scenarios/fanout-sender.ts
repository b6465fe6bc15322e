// The fan-out scenario's sends (scenarios/fanout.ts), on a thread of their own and over a lean
// HTTP/1.1 client. At a few thousand sends a second on two cores the harness was what ran out:
// Node's HTTP client costs about a core at 4,000 requests a second with its server beside it
// (the same loop against an answer-only server on loopback), and on the main thread its sends
// waited behind the parsing of the capture. The bare Node.js peer, which does nothing with a
// send but write it, then stopped where p2pchat did, so the step measured the harness. Here each
// of up to `maxInFlight` connections carries one request at a time, as a browser or a script with
// keep-alive does (never pipelined), and an answer is read only as far as its status, its length
// and its end: its Content-Length, or the end of the connection (a chunked answer would wait for
// the timeout and count as failed; none of the three peers sends one). A server that closes after
// each answer (HTTP/1.0, as the reference peer's) gets a new connection per request.
import * as net from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { nowMs, sleep } from "../clock.js";
import type { SendRecord } from "../send.js";

export interface SenderJob {
  address: string;
  texts: string[];
  rate: number;
  /** Requests in flight at once; beyond it the client waits, and the achieved rate shows it. */
  maxInFlight: number;
  /** The API's port: 8000 (docs/protocol.md §4) unless a test says otherwise. */
  port?: number;
}

export interface SenderResult {
  records: SendRecord[];
  /** nowMs() the first send was due: the step's sends are paced from here. */
  startAt: number;
}

const TIMEOUT_MS = 10_000;
const HEADERS_END = Buffer.from("\r\n\r\n");

/** One keep-alive connection to the API: one request at a time, each answered before the next. */
class ApiConnection {
  private socket: net.Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private current: { record: SendRecord; done: () => void; timer: NodeJS.Timeout } | undefined;
  /** The answer's body length, once its headers are in; -1 for a body that ends with the connection. */
  private bodyLength: number | undefined;
  private closesAfter = false;

  constructor(private readonly address: string, private readonly port: number) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Sends one request; its record is filled in when the answer is in (or failed), then `done` is told. */
  send(text: string, done: () => void): SendRecord {
    const record: SendRecord = { text, sender: this.address, time: nowMs(), status: 0, httpMs: NaN };
    const timer = setTimeout(() => this.fail(), TIMEOUT_MS);
    this.current = { record, done, timer };
    const socket = this.socket ?? this.open();
    socket.write(`GET /send?message=${encodeURIComponent(text)} HTTP/1.1\r\nHost: ${this.address}:${this.port}\r\n\r\n`);
    return record;
  }

  close(): void {
    this.socket?.destroy();
  }

  private open(): net.Socket {
    const socket = net.connect({ host: this.address, port: this.port });
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => this.onClose(socket));
    this.socket = socket;
    this.buffered = Buffer.alloc(0);
    this.bodyLength = undefined;
    return socket;
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.bodyLength === undefined) {
      const end = this.buffered.indexOf(HEADERS_END);
      if (end < 0) return;
      const head = this.buffered.subarray(0, end).toString("latin1");
      this.buffered = this.buffered.subarray(end + HEADERS_END.length);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (this.current) this.current.record.status = status ? Number(status[1]) : 0;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      this.bodyLength = length ? Number(length[1]) : -1;
      this.closesAfter = /^HTTP\/1\.0/.test(head) ? !/\r\nconnection:\s*keep-alive/i.test(head) : /\r\nconnection:\s*close/i.test(head);
    }
    if (this.bodyLength >= 0 && this.buffered.length >= this.bodyLength) {
      this.buffered = this.buffered.subarray(this.bodyLength);
      this.bodyLength = undefined;
      if (this.closesAfter) {
        this.socket = undefined;
        socket.destroy();
      }
      this.finish();
    }
  }

  private onClose(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    // A body that ends with the connection has ended; anything else was cut short.
    if (this.bodyLength !== -1 && this.current) this.current.record.status = 0;
    this.bodyLength = undefined;
    this.finish();
  }

  private fail(): void {
    if (!this.current) return;
    this.current.record.status = 0;
    this.socket?.destroy();
    this.socket = undefined;
    this.bodyLength = undefined;
    this.finish();
  }

  private finish(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    current.record.httpMs = nowMs() - current.record.time;
    current.done();
  }
}

/** Sends every text at the job's pace, each as its turn comes and a connection is free. */
export async function sendAtPace(job: SenderJob): Promise<SenderResult> {
  const connections = Array.from({ length: job.maxInFlight }, () => new ApiConnection(job.address, job.port ?? 8000));
  const records: SendRecord[] = [];
  let wake: (() => void) | undefined;
  let answered = 0;
  const done = () => {
    answered++;
    wake?.();
  };
  const startAt = nowMs() + 10;
  try {
    for (let k = 0; k < job.texts.length; k++) {
      // Asked again after each sleep: a timer counts from the event loop's clock, read when the
      // loop last woke, and on a busy machine it can end a millisecond or more before its time.
      const due = startAt + (k * 1000) / job.rate;
      for (let wait = due - nowMs(); wait > 1; wait = due - nowMs()) await sleep(wait);
      let free = connections.find((connection) => !connection.busy);
      while (!free) {
        await new Promise<void>((resolve) => (wake = resolve));
        free = connections.find((connection) => !connection.busy);
      }
      records.push(free.send(job.texts[k]!, done));
    }
    while (answered < job.texts.length) await new Promise<void>((resolve) => (wake = resolve));
    return { records, startAt };
  } finally {
    for (const connection of connections) connection.close();
  }
}

if (parentPort) {
  const port = parentPort;
  sendAtPace(workerData as SenderJob).then(
    (result) => port.postMessage(result),
    (error: unknown) => port.postMessage({ error: String(error) }),
  );
}
