import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { FramedSocket } from "../peers/framed-socket.js";
import { ReadRoute, routeAcceptedReads } from "../peers/read-route.js";
import { decodeDatagram } from "../protocol/decoder.js";

/** The warm-up talks to itself only, over this host's loopback: never a packet to the LAN. */
const LOOPBACK = "127.0.0.1";
/** How long the first hello waits for it at most: a host whose loopback does not answer starts as before. */
export const WARM_UP_LIMIT_MS = 100;
/** Its frames are a hello and its answer: a few dozen bytes. */
const MAX_FRAME_BYTES = 4_096;

export interface WarmUpResult {
  /** How long it took (ms). */
  ms: number;
  /** Why it stopped short, if it did (for the debug log: the peer runs the same either way). */
  error?: string;
}

/**
 * Runs once, with sockets of its own over loopback, the code a peer's first connections run:
 * Node's TCP client and server and their streams, our framing both ways (a hello and its answer),
 * and a datagram and its decoding. Node compiles its own functions (lib/net.js, the streams,
 * dgram) at their first call, and the inline caches of ours learn at their first runs; a daemon
 * that did this after its hello did it while every peer that heard the hello connected to it
 * and waited (bench/analysis.md "Warm before the hello": about 1.5 ms of a newcomer's first
 * connections were compiles). Nothing of it touches the peer's own sockets, peers or history.
 *
 * Always resolves, within `limitMs`, and leaves no socket open.
 */
export async function warmUpConnections(limitMs = WARM_UP_LIMIT_MS): Promise<WarmUpResult> {
  const started = performance.now();
  const server = createServer();
  const udp = createSocket("udp4");
  const sockets: Socket[] = [];
  let limit: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([helloOverTcp(server, sockets), datagramToSelf(udp)]),
      new Promise<never>((_, reject) => {
        limit = setTimeout(() => reject(new Error(`not done within ${limitMs} ms`)), limitMs);
      }),
    ]);
    return { ms: performance.now() - started };
  } catch (err) {
    return { ms: performance.now() - started, error: (err as Error).message };
  } finally {
    clearTimeout(limit);
    for (const socket of sockets) socket.destroy();
    server.close();
    try {
      udp.close();
    } catch {
      // Already closed by a failed bind: nothing is left open.
    }
  }
}

/** A client says hello to a server of its own, and the server answers it, as two peers do. */
function helloOverTcp(server: Server, sockets: Socket[]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.on("connection", (socket) => {
      sockets.push(socket);
      const reads = routeAcceptedReads(socket);
      const framed = new FramedSocket(socket, { ...(reads ? { reads } : {}), maxFrameBytes: MAX_FRAME_BYTES });
      framed.on("frame", () => framed.send({ status: "ok", messages: {} }));
    });
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as AddressInfo;
      const reads = new ReadRoute();
      const socket = connect({ host: LOOPBACK, port, onread: reads.option });
      sockets.push(socket);
      const framed = new FramedSocket(socket, { reads, maxFrameBytes: MAX_FRAME_BYTES });
      socket.once("connect", () => framed.send({ command: "hello", peer_id: "warm-up" }));
      framed.on("frame", () => resolve());
      framed.on("close", (reason) => reject(new Error(`loopback connection: ${reason.message}`)));
    });
  });
}

/** A datagram to a socket's own port, decoded as a peer's datagram is. */
function datagramToSelf(udp: UdpSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    udp.on("error", reject);
    udp.on("message", (data) => {
      decodeDatagram(data);
      resolve();
    });
    udp.bind(0, LOOPBACK, () => udp.send('{"command":"hello","peer_id":"warm-up"}', udp.address().port, LOOPBACK));
  });
}
