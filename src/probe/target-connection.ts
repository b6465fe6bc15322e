// One TCP connection from the probe to the target: it writes exactly the bytes a check gives it
// and reads the target's frames tolerantly, each wait bounded, everything kept as evidence.
import { connect, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { parseReply } from "../protocol/frames.js";
import type { Check } from "./report.js";
import { FrameTap, type TappedFrame } from "./frame-tap.js";
import { Notifier } from "./wait.js";

export interface Endpoint {
  address: string;
  port: number;
  /** Source address of the probe's connections (tests on loopback give each side its own). */
  localAddress?: string;
}

export type Reply =
  | { kind: "frame"; value: Record<string, unknown>; item: TappedFrame }
  /** The target sent something that is not a JSON object. */
  | { kind: "bad"; why: string; item: TappedFrame }
  | { kind: "timeout"; afterMs: number }
  | { kind: "closed"; why: string };

/**
 * The reply, if it is one the protocol counts as a yes (an ack, or a hello reply): read by the
 * same rules as the peer's own (docs/protocol.md §2, "Tolerate"); `messages` is a hello reply's history.
 */
export function accepted(reply: Reply): { messages: unknown } | undefined {
  if (reply.kind !== "frame") return undefined;
  const parsed = parseReply(reply.value);
  return parsed.kind === "ok" ? { messages: parsed.messages } : undefined;
}

/** A hello reply carries a whole history; beyond this the target is not following the protocol. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** All a target may send on one connection while it is probed (the probe asks for little). */
const MAX_RECEIVED_BYTES = 64 * 1024 * 1024;
const CLOSED_BY_PROBE = "closed by the probe";

export class TargetConnection {
  readonly tap = new FrameTap(MAX_FRAME_BYTES);
  /** Everything received, in order. */
  readonly items: TappedFrame[] = [];
  /** A reply did not come in time: a late one could be taken for the answer to the next request,
   *  so checks move on to a fresh connection. */
  outOfStep = false;
  private readIndex = 0;
  private closedWhy: string | undefined;
  private readonly changed = new Notifier();

  private constructor(readonly label: string, private readonly socket: Socket) {
    socket.setNoDelay(true); // one write, one segment: the split checks depend on it
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) => this.onClosed(describeSocketError(err)));
    socket.on("end", () => this.onClosed("the target closed the connection"));
    socket.on("close", () => this.onClosed("the connection closed"));
  }

  /** Connects within `timeoutMs`; rejects with a one-line reason. */
  static open(endpoint: Endpoint, label: string, timeoutMs: number): Promise<TargetConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: endpoint.address,
        port: endpoint.port,
        ...(endpoint.localAddress ? { localAddress: endpoint.localAddress } : {}),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP connection to ${endpoint.address}:${endpoint.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new TargetConnection(label, socket));
      });
      socket.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${endpoint.address}:${endpoint.port}: ${describeSocketError(err)}`));
      });
    });
  }

  get closed(): boolean {
    return this.closedWhy !== undefined;
  }

  /** Writes the bytes in one write (one frame per write, as careful peers do). */
  write(data: Buffer | string, check?: Check): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    check?.sent(this.label, bytes);
    if (!this.closed) this.socket.write(bytes);
  }

  /** Writes the pieces one by one with a pause between them, so they arrive as separate reads. */
  async writePieces(pieces: Buffer[], pauseMs: number, check?: Check): Promise<void> {
    check?.sent(this.label, Buffer.concat(pieces));
    const sizes = new Set(pieces.map((p) => p.length));
    const each = sizes.size === 1 ? `${pieces[0]?.length} byte${pieces[0]?.length === 1 ? "" : "s"} each` : `${pieces.map((p) => p.length).join(", ")} bytes`;
    check?.note(this.label, `(written as ${pieces.length} pieces of ${each}, ${pauseMs} ms apart)`);
    for (const [i, piece] of pieces.entries()) {
      if (this.closed) return;
      if (i > 0) await delay(pauseMs);
      this.socket.write(piece);
    }
  }

  /** The next thing the target sends, waiting at most `timeoutMs`. */
  async next(timeoutMs: number, check?: Check): Promise<Reply> {
    const arrived = await this.changed.until(
      () => this.items[this.readIndex] ?? (this.closedWhy !== undefined ? this.closedWhy : undefined),
      timeoutMs,
    );
    if (arrived === undefined) {
      this.outOfStep = true;
      check?.note(this.label, `(nothing within ${timeoutMs} ms)`);
      return { kind: "timeout", afterMs: timeoutMs };
    }
    if (typeof arrived === "string") {
      check?.note(this.label, `(${arrived})`);
      return { kind: "closed", why: arrived };
    }
    this.readIndex += 1;
    check?.received(this.label, () => this.tap.frameWithTerminator(arrived));
    return arrived.decoded.ok
      ? { kind: "frame", value: arrived.decoded.value, item: arrived }
      : { kind: "bad", why: arrived.decoded.error.message, item: arrived };
  }

  /** Sends and reads the answer. */
  request(data: Buffer | string, timeoutMs: number, check?: Check): Promise<Reply> {
    this.write(data, check);
    return this.next(timeoutMs, check);
  }

  /** Waits `ms` for anything to arrive; returns it, or undefined if the target stayed silent. */
  async silence(ms: number, check?: Check): Promise<Reply | undefined> {
    const reply = await this.next(ms);
    if (reply.kind === "timeout") {
      this.outOfStep = false; // nothing was expected
      check?.note(this.label, `(nothing within ${ms} ms)`);
      return undefined;
    }
    if (reply.kind === "frame" || reply.kind === "bad") check?.received(this.label, () => this.tap.frameWithTerminator(reply.item));
    else check?.note(this.label, `(${reply.why})`);
    return reply;
  }

  get isOpen(): boolean {
    return this.closedWhy === undefined;
  }

  /** True if the probe closed it while the target had not: bytes still on the way were cut off. */
  get closedByProbe(): boolean {
    return this.closedWhy === CLOSED_BY_PROBE;
  }

  close(): void {
    this.onClosed(CLOSED_BY_PROBE);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.tap.failed) return;
    if (this.tap.receivedBytes + chunk.length > MAX_RECEIVED_BYTES) {
      this.onClosed(`the target sent over ${MAX_RECEIVED_BYTES} bytes: connection dropped`);
      this.socket.destroy();
      return;
    }
    this.items.push(...this.tap.push(chunk));
    this.changed.notify();
  }

  private onClosed(why: string): void {
    this.closedWhy ??= why;
    this.changed.notify();
  }
}

export function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED": return "connection refused (nothing listens on that port)";
    case "ECONNRESET": return "connection reset by the target";
    case "EHOSTUNREACH": return "host unreachable";
    case "ENETUNREACH": return "network unreachable";
    case "EPIPE": return "the target closed the connection";
    default: return err.code ? `${err.code}: ${err.message}` : err.message;
  }
}
