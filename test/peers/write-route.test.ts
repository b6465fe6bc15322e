import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, it } from "node:test";
import { unsentBytes, writeFrame } from "../../src/peers/write-route.js";
import { loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Writes straight to the socket's handle (src/peers/write-route.ts), over real loopback connections. */
describe("writeFrame", () => {
  const [host] = loopbackHosts(1) as [string];
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A connection of the test: `ours` writes; `theirs`, the accepted end, reads only once told to. */
  async function connection(): Promise<{ ours: Socket; theirs: Socket; received: () => Buffer }> {
    let accepted: Socket | undefined;
    const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
      accepted = socket;
    });
    server.listen(0, host);
    await once(server, "listening");
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const ours = connect({ host, port: (server.address() as { port: number }).port });
    ours.on("error", () => {});
    cleanups.push(() => ours.destroy());
    await once(ours, "connect");
    await waitFor(() => accepted !== undefined, { timeoutMs: 2_000, what: "the connection accepted" });
    const theirs = accepted as Socket;
    theirs.on("error", () => {});
    cleanups.push(() => theirs.destroy());
    const chunks: Buffer[] = [];
    theirs.on("data", (chunk: Buffer) => chunks.push(chunk));
    return { ours, theirs, received: () => Buffer.concat(chunks) };
  }

  /** Counts the frames that went through the socket's stream instead of straight to its handle. */
  function countStreamWrites(socket: Socket): { count: number } {
    const seen = { count: 0 };
    const write = socket.write.bind(socket) as (chunk: Buffer) => boolean;
    socket.write = ((chunk: Buffer) => {
      seen.count++;
      return write(chunk);
    }) as Socket["write"];
    return seen;
  }

  const frame = (text: string) => Buffer.from(`{"text":"${text}"}\n`);

  it("learns from one write through the stream, then hands frames straight to the handle, on this Node", async () => {
    const { ours, theirs, received } = await connection();
    const stream = countStreamWrites(ours);
    writeFrame(ours, frame("first"));
    const learning = stream.count;
    for (const text of ["second", "third", "fourth"]) writeFrame(ours, frame(text));
    assert.ok(learning <= 1, "at most the first frame goes through the stream");
    assert.equal(stream.count, learning, "once learned, a connection with nothing waiting is written straight to");
    theirs.resume();
    const expected = ["first", "second", "third", "fourth"].map((text) => frame(text).toString()).join("");
    await waitFor(() => received().toString() === expected, { timeoutMs: 2_000, what: "the four frames, in order" });
  });

  it("keeps the order of frames written straight and frames a corked stream holds", async () => {
    const { ours, theirs, received } = await connection();
    writeFrame(ours, frame("learn"));
    const stream = countStreamWrites(ours);
    writeFrame(ours, frame("a"));
    ours.cork();
    writeFrame(ours, frame("b"));
    writeFrame(ours, frame("c"));
    assert.equal(stream.count, 2, "a corked connection's frames wait in its stream, for one write");
    ours.uncork();
    writeFrame(ours, frame("d"));
    theirs.resume();
    const expected = ["learn", "a", "b", "c", "d"].map((text) => frame(text).toString()).join("");
    await waitFor(() => received().toString() === expected, { timeoutMs: 2_000, what: "the frames, in order" });
  });

  it("counts what the kernel did not take yet, and behind it frames go through the stream, in order", async () => {
    const { ours, theirs, received } = await connection();
    writeFrame(ours, frame("learn"));
    const stream = countStreamWrites(ours);
    // More than the kernel's buffers of a loopback connection whose reader does not read.
    const big = Buffer.alloc(32 * 1024 * 1024, 0x2e); // ".", in no frame of the test
    writeFrame(ours, big);
    assert.equal(stream.count, 0, "the big write went straight to the handle");
    assert.equal(ours.writableLength, 0);
    assert.ok(unsentBytes(ours) > 0, `the handle's queue is counted (${unsentBytes(ours)} bytes)`);
    writeFrame(ours, frame("after"));
    writeFrame(ours, frame("last"));
    assert.equal(stream.count, 2, "behind bytes the kernel has not taken, frames go through the stream, which gathers them");
    theirs.resume();
    const tail = frame("after").toString() + frame("last").toString();
    const total = frame("learn").length + big.length + tail.length;
    await waitFor(() => received().length === total, { timeoutMs: 10_000, what: "every byte read" });
    const bytes = received();
    assert.equal(bytes.subarray(0, frame("learn").length).toString(), frame("learn").toString());
    assert.equal(bytes.indexOf(0x2e), frame("learn").length, "the big write came right after the first frame");
    assert.equal(bytes.lastIndexOf(0x2e), frame("learn").length + big.length - 1, "and whole");
    assert.equal(bytes.subarray(-tail.length).toString(), tail, "the frames after the big one came last, in order");
    await waitFor(() => unsentBytes(ours) === 0, { timeoutMs: 2_000, what: "every byte taken" });
    writeFrame(ours, frame("straight again"));
    assert.equal(stream.count, 2, "once the kernel took everything, frames go straight again");
  });

  it("ends a connection the peer has reset with the write's error, and throws nothing", async () => {
    const { ours, theirs } = await connection();
    writeFrame(ours, frame("learn"));
    // Our end does not read, so only a write can learn of the reset.
    ours.pause();
    const failed = once(ours, "error") as Promise<[NodeJS.ErrnoException]>;
    theirs.resetAndDestroy();
    await once(theirs, "close");
    await waitFor(() => {
      if (!ours.destroyed) writeFrame(ours, frame("into the void"));
      return ours.destroyed;
    }, { timeoutMs: 2_000, what: "a write to fail" });
    const [error] = await failed;
    assert.ok(["EPIPE", "ECONNRESET"].includes(error.code ?? ""), `the write's own error: ${error.code} ${error.message}`);
  });
});
