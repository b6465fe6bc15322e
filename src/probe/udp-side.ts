// The probe's UDP socket. It sends its hello from the protocol port when it can bind it, because
// some peers answer (or connect) to the port a hello came from (docs/protocol.md "What real peers do");
// otherwise from any free port, which the protocol allows too (§1: answer the source port).
import { createSocket, type Socket } from "node:dgram";
import { decodeDatagram, type DecodedFrame } from "../protocol/decoder.js";
import { encodeFrame } from "../protocol/encoder.js";
import { parseDatagram } from "../protocol/frames.js";
import { Notifier } from "./wait.js";

export interface Datagram {
  address: string;
  port: number;
  data: Buffer;
  decoded: DecodedFrame;
  at: number;
}

const MAX_DATAGRAM_BYTES = 65_536;

export class UdpSide {
  readonly datagrams: Datagram[] = [];
  private readonly changed = new Notifier();

  private constructor(
    private readonly socket: Socket,
    private readonly probePeerId: string,
    /** Only the target's datagrams are kept and answered: other peers on the LAN are not probed. */
    private readonly targetAddress: string,
    /** Why the protocol port could not be used, if it could not. */
    readonly fallback: string | undefined,
  ) {
    socket.on("message", (data, remote) => this.onDatagram(data, remote.address, remote.port));
    socket.on("error", () => undefined);
  }

  static async open(bindAddress: string, port: number, probePeerId: string, targetAddress: string): Promise<UdpSide> {
    try {
      return new UdpSide(await bound(bindAddress, port), probePeerId, targetAddress, undefined);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const socket = await bound(bindAddress, 0);
      return new UdpSide(socket, probePeerId, targetAddress, `UDP port ${port} is not free on this host (${code})`);
    }
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(bytes: Buffer, address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(bytes, port, address, (err) => (err ? reject(err) : resolve())));
  }

  waitFor<T>(find: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return this.changed.until(find, timeoutMs);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  private onDatagram(data: Buffer, address: string, port: number): void {
    if (address !== this.targetAddress) return;
    const decoded = decodeDatagram(data, MAX_DATAGRAM_BYTES);
    this.datagrams.push({ address, port, data, decoded, at: Date.now() });
    // The target's own broadcast hello is answered like any peer would (§1).
    const parsed = decoded.ok ? parseDatagram(decoded.value) : undefined;
    if (parsed?.kind === "hello" && parsed.peer_id !== this.probePeerId) {
      this.send(encodeFrame({ status: "ok", peer_id: this.probePeerId }), address, port).catch(() => undefined);
    }
    this.changed.notify();
  }
}

function bound(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // No reuseAddr: sharing the port with a peer on this host would split the answers between us.
    const socket = createSocket({ type: "udp4" });
    socket.once("error", (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ port, address, exclusive: true }, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}
