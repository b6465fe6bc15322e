import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { FramedSocket } from "../peers/framed-socket.js";
import { ReadRoute, routeAcceptedReads } from "../peers/read-route.js";
import { decodeDatagram } from "../protocol/decoder.js";
import { monotonicMs } from "../monotonic-clock.js";

/** The warm-up talks to itself only, over this host's loopback: never a packet to the LAN. */
const LOOPBACK = "127.0.0.1";
/** How long the first hello waits for it at most: a host whose loopback does not answer starts as before. */
export const WARM_UP_LIMIT_MS = 100;
/** Its frames are a hello and its answer: a few dozen bytes. */
const MAX_FRAME_BYTES = 4_096;
/**
 * How many connections say their hello at once. Node's own modules are read from Node's code
 * cache before the daemon asks V8 for feedback from a function's first call (eager-feedback.ts),
 * so their functions get their feedback vectors only once they have run about eight times' worth
 * of their own code, as V8 does by default. After one connection of warm-up, a settled room of
 * 19 took a newcomer in with 2.1-2.8 ms of CPU a peer; after 3, 8 or 16, 1.1-1.6 ms, what it
 * took with the flag on node's command line (bench/analysis.md "Node's modules from Node's cache").
 * Three, not more: each connection costs the start CPU (one took 11.8 ms in a fresh node, three
 * 13 ms, eight 16.7 ms), and a mesh of 40 formed at least as fast after three as after eight
 * (bench/analysis.md "Three warm-up connections against eight").
 */
export const WARM_UP_CONNECTIONS = 3;

export interface WarmUpResult {
  /** How long it took (ms). */
  ms: number;
  /** How many of the connections had their hello answered. */
  hellos: number;
  /** Why it stopped short, if it did (for the debug log: the peer runs the same either way). */
  error?: string;
}

/**
 * Runs, with sockets of its own over loopback, the code a peer's first connections run, as
 * `connections` peers would at once: Node's TCP client and server and their streams, our framing
 * both ways (a hello and its answer), and a datagram and its decoding. Node compiles its own
 * functions (lib/net.js, the streams, dgram) at their first call, and the inline caches of ours
 * learn at their first runs; a daemon that did this after its hello did it while every peer that
 * heard the hello connected to it and waited (bench/analysis.md "Warm before the hello": about
 * 1.5 ms of a newcomer's first connections were compiles). Nothing of it touches the peer's own
 * sockets, peers or history.
 *
 * Always resolves, within `limitMs`, and leaves no socket open.
 */
export async function warmUpConnections(limitMs = WARM_UP_LIMIT_MS, connections = WARM_UP_CONNECTIONS): Promise<WarmUpResult> {
  const started = monotonicMs();
  const server = createServer();
  const udp = createSocket("udp4");
  const sockets: Socket[] = [];
  const answered = { hellos: 0 };
  let limit: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all([hellosOverTcp(server, sockets, connections, answered), datagramToSelf(udp)]),
      new Promise<never>((_, reject) => {
        limit = setTimeout(() => reject(new Error(`not done within ${limitMs} ms`)), limitMs);
      }),
    ]);
    return { ms: monotonicMs() - started, hellos: answered.hellos };
  } catch (err) {
    return { ms: monotonicMs() - started, hellos: answered.hellos, error: (err as Error).message };
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

/** `connections` clients each say hello to a server of its own, and it answers each, as peers do. */
function hellosOverTcp(server: Server, sockets: Socket[], connections: number, answered: { hellos: number }): Promise<void> {
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
      for (let i = 0; i < connections; i++) {
        const reads = new ReadRoute();
        const socket = connect({ host: LOOPBACK, port, onread: reads.option });
        sockets.push(socket);
        const framed = new FramedSocket(socket, { reads, maxFrameBytes: MAX_FRAME_BYTES });
        socket.once("connect", () => framed.send({ command: "hello", peer_id: "warm-up" }));
        framed.on("frame", () => {
          if (++answered.hellos === connections) resolve();
        });
        framed.on("close", (reason) => reject(new Error(`loopback connection: ${reason.message}`)));
      }
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
