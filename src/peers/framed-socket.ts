import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { FrameDecoder, type FrameError } from "../protocol/decoder.js";
import { encodeFrame } from "../protocol/encoder.js";
import { errorCode } from "../stats/stats.js";
import type { ReadRoute } from "./read-route.js";
import { unsentBytes, writeFrame } from "./write-route.js";

/** Why a connection ended; `code` is stable (for logs, tests and the peers view), `message` is for people. */
export interface CloseReason {
  code: string;
  message: string;
}

export interface FramedSocketOptions {
  maxFrameBytes: number;
  /** Unsent bytes we hold for a peer that does not read before we give up on it. */
  maxBufferedWriteBytes?: number;
  /** Told of every frame in and out and every error reply, for the counters (src/stats). */
  counter?: FrameCounter;
  /** Where the socket's reads were routed (read-route.ts); without one, its "data" events are read. */
  reads?: ReadRoute;
}

/** What a connection counts; its owner knows which peer it belongs to. */
export interface FrameCounter {
  frameIn(): void;
  frameOut(): void;
  /** We answered with `{"status":"error"}`: `code` is the stable code our message starts with. */
  refused(code: string): void;
}

interface FramedSocketEvents {
  frame: [Record<string, unknown>];
  badFrame: [FrameError];
  close: [CloseReason];
  /** A frame handler threw: the frame was answered with E_INTERNAL and the connection goes on.
   *  Reported for the first such frame of a connection only, so a peer cannot flood the log. */
  fault: [unknown];
}

const DEFAULT_MAX_BUFFERED_WRITE = 64 * 1024 * 1024;

/**
 * A TCP socket that speaks frames: decoded JSON objects in, one compact JSON line per write out.
 * It reports its end exactly once, with the first reason that ended it.
 */
export class FramedSocket extends EventEmitter<FramedSocketEvents> {
  readonly decoder: FrameDecoder;
  private closedWith: CloseReason | undefined;
  private faults = 0;
  private readonly maxBufferedWrite: number;
  private readonly counter: FrameCounter | undefined;
  private holding = false;

  constructor(readonly socket: Socket, options: FramedSocketOptions) {
    super();
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    this.maxBufferedWrite = options.maxBufferedWriteBytes ?? DEFAULT_MAX_BUFFERED_WRITE;
    this.counter = options.counter;
    socket.setNoDelay(true);
    // Connections are permanent and idle for long stretches (docs/protocol.md "Timing"): keepalive is
    // what notices a peer that vanished without a FIN.
    socket.setKeepAlive(true, 15_000);
    if (options.reads) options.reads.handOn((chunk) => this.onData(chunk));
    else socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.close({ code: err.code ?? "E_SOCKET", message: err.message }));
    socket.on("end", () => this.close({ code: "E_CLOSED_BY_PEER", message: "closed by the peer" }));
    socket.on("close", () => this.close({ code: "E_CLOSED", message: "connection closed" }));
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "unknown";
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Writes one frame in one write: some peers parse every read as exactly one document. (The
   * answers to a peer that sent several frames in one read, and the frames sent to a pipelining
   * peer while acks are awaited, are held for one write: onData, holdWritesForThisTurn.)
   */
  send(frame: object): void {
    if (this.closed) return;
    writeFrame(this.socket, encodeFrame(frame));
    this.counter?.frameOut();
    const { status, message } = frame as { status?: unknown; message?: unknown };
    if (status === "error") this.counter?.refused(errorCode(message));
    if (unsentBytes(this.socket) > this.maxBufferedWrite) {
      this.close({
        code: "E_WRITE_BUFFER_FULL",
        message: `peer does not read: over ${this.maxBufferedWrite} bytes waiting to be sent`,
      });
    }
  }

  /**
   * Holds what is sent until the events that are ready now have been handled, then writes it at
   * once: the frames that several requests (GET /send, acks) queued for this peer go in one
   * system call, for a peer that reads several per read (docs/protocol.md "Pipelining"). A write
   * costs most of what sending a message costs, and this delays it by one turn of the loop.
   */
  holdWritesForThisTurn(): void {
    if (this.holding) return;
    this.holding = true;
    this.socket.cork();
    setImmediate(() => {
      this.holding = false;
      this.socket.uncork();
    });
  }

  /** Answers a malformed frame the protocol way and keeps the connection (docs/protocol.md "Framing"). */
  sendError(message: string): void {
    this.send({ status: "error", message });
  }

  close(reason: CloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    // Let a final error reply go out, but do not wait on a peer that does not read.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1_000).unref();
    this.emit("close", reason);
  }

  private onData(chunk: Buffer): void {
    const frames = this.decoder.push(chunk);
    // A peer that sent several frames at once (one that pipelines) gets their answers in one
    // write: a system call and a packet for all, instead of one each.
    if (frames.length > 1) this.socket.cork();
    try {
      this.handle(frames);
    } finally {
      if (frames.length > 1) this.socket.uncork();
    }
  }

  private handle(frames: ReturnType<FrameDecoder["push"]>): void {
    for (const decoded of frames) {
      if (this.closed) return;
      this.counter?.frameIn();
      if (decoded.ok) {
        this.deliver(decoded.value);
      } else if (decoded.error.code === "E_FRAME_TOO_LARGE") {
        this.sendError(`${decoded.error.code}: ${decoded.error.message}`);
        this.close({ code: decoded.error.code, message: decoded.error.message });
      } else {
        this.emit("badFrame", decoded.error);
      }
    }
  }

  /**
   * Hands one frame to its handler. This is the boundary between a peer's bytes and our code: a
   * handler that throws (a bug, or input nobody foresaw) must cost that frame, never the process
   * or the other frames of the read, so the peer gets an error reply and the connection goes on.
   */
  private deliver(frame: Record<string, unknown>): void {
    try {
      this.emit("frame", frame);
    } catch (err) {
      this.sendError("E_INTERNAL: the frame could not be handled");
      if (this.faults++ === 0) this.emit("fault", err);
    }
  }
}
