import { EventEmitter } from "node:events";
import type { CloseReason } from "../../src/peers/framed-socket.js";
import type { AckListener, AckResult, ConnectTarget, OutboundLike } from "../../src/peers/outbound.js";

interface FakeEvents {
  ready: [unknown];
  close: [CloseReason];
}

/**
 * An outbound connection without a socket, played by the test: it answers our hello, acks,
 * refuses, times out or fails exactly when told. It keeps OutboundConnection's promises: at most
 * maxInFlight requests waiting (1 unless the test offers more), acks in the order sent, and a close
 * that forgets the waiting requests (their acks are never told) before it is reported.
 */
export class FakeConnection extends EventEmitter<FakeEvents> implements OutboundLike {
  ready = false;
  established = false;
  closedWith: CloseReason | undefined;
  /** Every frame requested, with the ack wait it was given. */
  readonly sent: Array<{ frame: Record<string, unknown>; ackTimeoutMs: number }> = [];
  /** What the peer's hello reply offered (docs/protocol.md "Pipelining"). */
  maxInFlight = 1;
  private readonly inFlight: AckListener[] = [];

  constructor(readonly target: ConnectTarget) {
    super();
  }

  /**
   * When set, the next request's write ends the connection with this code before `request`
   * returns, as OutboundConnection's does when a peer that does not read has filled its buffer.
   */
  closeOnNextWrite: string | undefined;

  request(frame: object, ackTimeoutMs: number, onAck: AckListener): CloseReason | undefined {
    if (!this.ready) return { code: "E_NOT_READY", message: "connection not ready" };
    if (this.inFlight.length >= this.maxInFlight) return { code: "E_BUSY", message: "acks are still awaited" };
    this.sent.push({ frame: frame as Record<string, unknown>, ackTimeoutMs });
    if (this.closeOnNextWrite !== undefined) {
      this.fail(this.closeOnNextWrite);
      return undefined;
    }
    this.inFlight.push(onAck);
    return undefined;
  }

  /** The peer answers our hello with `{"status":"ok","messages":...}`. */
  answerHello(messages: unknown = {}): void {
    this.ready = true;
    this.established = true;
    this.emit("ready", messages);
  }

  ack(): void {
    this.settle({ ok: true });
  }

  refuse(message: string): void {
    this.settle({ ok: false, message });
  }

  /** What OutboundConnection does when the ack wait runs out. */
  ackTimeout(): void {
    this.close({ code: "E_ACK_TIMEOUT", message: "no ack in time" });
  }

  /** The connection ends for a reason of the network's or the peer's (ECONNREFUSED, E_CLOSED_BY_PEER, ...). */
  fail(code: string): void {
    this.close({ code, message: `failed: ${code}` });
  }

  get awaitingAck(): boolean {
    return this.inFlight.length > 0;
  }

  /** Requests sent and not acked yet. */
  get awaitingAcks(): number {
    return this.inFlight.length;
  }

  close(reason: CloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.ready = false;
    this.inFlight.splice(0);
    this.emit("close", reason);
  }

  private settle(result: AckResult): void {
    const oldest = this.inFlight.shift();
    if (!oldest) throw new Error("no request is waiting for an ack");
    oldest(result);
  }
}

/** A connect() for Peer and PeerTable that hands out fakes and keeps them for the test. */
export function fakeConnector(): { connect: (target: ConnectTarget) => FakeConnection; made: FakeConnection[]; last(): FakeConnection } {
  const made: FakeConnection[] = [];
  return {
    made,
    connect: (target) => {
      const connection = new FakeConnection(target);
      made.push(connection);
      return connection;
    },
    last: () => {
      const connection = made.at(-1);
      if (!connection) throw new Error("no connection was made");
      return connection;
    },
  };
}

/** Lets promise callbacks (the sender's awaits) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
