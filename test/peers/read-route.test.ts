import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { FramedSocket } from "../../src/peers/framed-socket.js";
import { ReadRoute, routeAcceptedReads } from "../../src/peers/read-route.js";
import { loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Reads into the one shared buffer (src/peers/read-route.ts), over real loopback connections. */
describe("ReadRoute", () => {
  const [host] = loopbackHosts(1) as [string];
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A server that accepts paused, as PeerServer does, and hands each socket to `serve`. */
  async function pausedServer(serve: (socket: Socket) => void): Promise<number> {
    const server: Server = createServer({ pauseOnConnect: true }, serve);
    server.listen(0, host);
    await once(server, "listening");
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as { port: number }).port;
  }

  /** A client socket of the test, closed after it. */
  async function client(port: number): Promise<Socket> {
    const socket = connect({ host, port });
    socket.on("error", () => {});
    cleanups.push(() => socket.destroy());
    await once(socket, "connect");
    return socket;
  }

  /** Accepted sockets as FramedSockets whose reads are routed, with the frames each received. */
  async function routedServer() {
    const accepted: Array<{ framed: FramedSocket; frames: Array<Record<string, unknown>>; routed: boolean }> = [];
    const port = await pausedServer((socket) => {
      const reads = routeAcceptedReads(socket);
      const framed = new FramedSocket(socket, { maxFrameBytes: 1024 * 1024, ...(reads ? { reads } : {}) });
      const frames: Array<Record<string, unknown>> = [];
      framed.on("frame", (frame) => frames.push(frame));
      cleanups.push(() => socket.destroy());
      accepted.push({ framed, frames, routed: reads !== undefined });
      socket.resume();
    });
    return { port, accepted };
  }

  it("routes the reads of a socket a server accepted paused, on this Node, and its end and close still come", async () => {
    const { port, accepted } = await routedServer();
    const peer = await client(port);
    await waitFor(() => accepted.length === 1, { timeoutMs: 2_000, what: "the connection accepted" });
    const [ours] = accepted as [(typeof accepted)[number]];
    assert.equal(ours.routed, true, "this Node lets a server's socket read into the shared buffer");
    const ended = once(ours.framed.socket, "end");
    const closed = once(ours.framed, "close");
    peer.write('{"command":"hello","peer_id":"a"}\n');
    await waitFor(() => ours.frames.length === 1, { timeoutMs: 2_000, what: "the frame read through the route" });
    assert.deepEqual(ours.frames, [{ command: "hello", peer_id: "a" }]);
    peer.end();
    await ended;
    const [reason] = await closed;
    assert.equal(reason.code, "E_CLOSED_BY_PEER");
  });

  it("keeps a frame split across reads whole while another connection's read reuses the buffer", async () => {
    const { port, accepted } = await routedServer();
    const a = await client(port);
    const b = await client(port);
    await waitFor(() => accepted.length === 2, { timeoutMs: 2_000, what: "both connections accepted" });
    // Which accepted socket is whose: the first frame tells.
    a.write('{"who":"a"}\n');
    await waitFor(() => accepted.some((c) => c.frames.length === 1), { timeoutMs: 2_000, what: "a's first frame" });
    const ofA = accepted.find((c) => c.frames.length === 1)!;
    const ofB = accepted.find((c) => c !== ofA)!;

    const textA = "a".repeat(3_000);
    const frameA = JSON.stringify({ command: "new_message", message_id: "1707243010934", message: textA }) + "\n";
    a.write(frameA.slice(0, 1_500));
    await waitFor(() => ofA.framed.decoder.bufferedBytes > 0, { timeoutMs: 2_000, what: "a's half frame held" });
    // The same length and the same bytes where a's frame is held: were it not copied, this would overwrite it.
    b.write(JSON.stringify({ command: "new_message", message_id: "1707243010935", message: "b".repeat(3_000) }) + "\n");
    await waitFor(() => ofB.frames.length === 1, { timeoutMs: 2_000, what: "b's frame" });
    a.write(frameA.slice(1_500));
    await waitFor(() => ofA.frames.length === 2, { timeoutMs: 2_000, what: "the rest of a's frame" });
    assert.equal(ofA.frames[1]!.message, textA);
    assert.equal(ofB.frames[0]!.message, "b".repeat(3_000));
  });

  it("takes a frame larger than the buffer, over the several reads it needs", async () => {
    const { port, accepted } = await routedServer();
    const peer = await client(port);
    const text = "ž".repeat(100_000); // 200,000 bytes of UTF-8: several reads of the 64 KiB buffer
    peer.write(JSON.stringify({ command: "new_message", message_id: "1707243010934", message: text }) + "\n");
    await waitFor(() => accepted[0]?.frames.length === 1, { timeoutMs: 5_000, what: "the large frame" });
    assert.equal(accepted[0]!.frames[0]!.message, text);
  });

  it("routes the reads of a socket we connect through net.connect's onread option", async () => {
    const port = await pausedServer((socket) => {
      cleanups.push(() => socket.destroy());
      socket.end('{"status":"ok"}\n{"status":"ok","n":2}\n');
      socket.resume();
    });
    const reads = new ReadRoute();
    const socket = connect({ host, port, onread: reads.option });
    cleanups.push(() => socket.destroy());
    const dataEvents: unknown[] = [];
    socket.on("data", (chunk) => dataEvents.push(chunk));
    const framed = new FramedSocket(socket, { maxFrameBytes: 1024, reads });
    const frames: Array<Record<string, unknown>> = [];
    framed.on("frame", (frame) => frames.push(frame));
    await once(framed, "close");
    assert.deepEqual(frames, [{ status: "ok" }, { status: "ok", n: 2 }]);
    assert.deepEqual(dataEvents, [], "nothing went through the stream");
  });
});
