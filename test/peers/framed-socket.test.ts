import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { FramedSocket } from "../../src/peers/framed-socket.js";
import { loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Frames over a real loopback connection: what is held for one write, and what is not. */
describe("FramedSocket", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A FramedSocket on our side of a connection, and the raw socket of the other side. */
  async function pair(): Promise<{ framed: FramedSocket; other: Socket }> {
    const [host] = loopbackHosts(1) as [string];
    const server = createServer();
    server.listen(0, host);
    await once(server, "listening");
    const port = (server.address() as { port: number }).port;
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const ours = connect({ host, port });
    await once(ours, "connect");
    const [other] = await accepted;
    const framed = new FramedSocket(ours, { maxFrameBytes: 64 * 1024 });
    cleanups.push(() => {
      ours.destroy();
      other.destroy();
      server.close();
    });
    return { framed, other };
  }

  it("holds the answers to frames that came in one read for one write, and not those to a frame alone", async () => {
    const { framed, other } = await pair();
    const corkedWhileHandled: number[] = [];
    framed.on("frame", (frame) => {
      corkedWhileHandled.push(framed.socket.writableCorked);
      framed.send({ status: "ok", echo: frame.n });
    });
    const answers: string[] = [];
    other.on("data", (chunk: Buffer) => answers.push(...chunk.toString().split("\n").filter(Boolean)));

    other.write('{"n":1}\n');
    await waitFor(() => answers.length === 1, { timeoutMs: 2_000, what: "the answer to one frame" });
    assert.deepEqual(corkedWhileHandled, [0], "a frame alone is answered in a write of its own");

    other.write('{"n":2}\n{"n":3}\n{"n":4}\n');
    await waitFor(() => answers.length === 4, { timeoutMs: 2_000, what: "the answers to three frames" });
    assert.deepEqual(corkedWhileHandled, [0, 1, 1, 1], "three frames of one read answered with writes held");
    assert.deepEqual(answers.map((line) => JSON.parse(line).echo), [1, 2, 3, 4], "in the order they came");
    assert.equal(framed.socket.writableCorked, 0, "released after the read");
  });

  it("holds what is sent in one turn for one write when asked, and releases it at the end of the turn", async () => {
    const { framed, other } = await pair();
    const lines: string[] = [];
    other.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    framed.holdWritesForThisTurn();
    framed.holdWritesForThisTurn(); // asked again in the same turn: still one hold
    framed.send({ n: 1 });
    framed.send({ n: 2 });
    assert.equal(framed.socket.writableCorked, 1);
    assert.equal(framed.socket.writableLength > 0, true, "nothing written yet");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(framed.socket.writableCorked, 0);
    await waitFor(() => lines.length === 2, { timeoutMs: 2_000, what: "both frames" });
    assert.deepEqual(lines.map((line) => JSON.parse(line).n), [1, 2]);
  });
});
