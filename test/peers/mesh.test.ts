import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { afterEach, describe, it } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { waitFor } from "../support/wait.js";

/**
 * Whole ChatNodes on loopback addresses. Loopback has no broadcast, so each node "broadcasts" to
 * the other's address: the datagrams, answers and connections are otherwise the real thing.
 */
describe("two nodes on loopback", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function pair() {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const a = await startLoopbackNode(hostA, { peerId: "a", port, broadcastAddress: hostB });
    cleanups.push(() => a.node.stop());
    a.node.history.add("1707243010001", { peer_id: "old", message: "only a knew this" });
    const b = await startLoopbackNode(hostB, { peerId: "b", port, broadcastAddress: hostA });
    cleanups.push(() => b.node.stop());
    return { a, b, hostA, hostB, port };
  }

  it("find each other by UDP, connect both ways and merge histories", async () => {
    const { a, b } = await pair();
    await waitFor(() => {
      const [toB] = a.node.peers.list();
      const [toA] = b.node.peers.list();
      return toB?.outbound === "connected" && toB.inbound === 1 && toA?.outbound === "connected" && toA.inbound === 1;
    }, { timeoutMs: 3_000, what: "a connection each way" });
    assert.deepEqual(b.node.history.get("1707243010001"), { peer_id: "old", message: "only a knew this" });
  });

  it("deliver a send on one to the other under the sender's peer_id", async () => {
    const { a, b } = await pair();
    await waitFor(() => a.node.peers.list()[0]?.outbound === "connected", { timeoutMs: 3_000, what: "a connected to b" });
    const response = await fetch(`${a.httpBase}/send?message=${encodeURIComponent("Dobrý den, světe 🌍")}`);
    assert.deepEqual(await response.json(), { status: "ok" });
    const delivered = await waitFor(async () => {
      const history = (await (await fetch(`${b.httpBase}/messages`)).json()) as Record<string, { peer_id: string; message: string }>;
      return Object.values(history).find((m) => m.message === "Dobrý den, světe 🌍");
    }, { timeoutMs: 3_000, what: "the message on b" });
    assert.equal(delivered.peer_id, "a");
  });

  it("answer a UDP hello from the protocol port, and ignore garbage and their own id", async () => {
    const { a, hostA, port } = await pair();
    const socket = createSocket("udp4");
    cleanups.push(() => socket.close());
    const [probeHost] = loopbackHosts(1) as [string];
    await new Promise<void>((resolve) => socket.bind(0, probeHost, resolve));
    const replies: Array<{ data: string; port: number }> = [];
    socket.on("message", (data, remote) => replies.push({ data: data.toString(), port: remote.port }));
    const send = (data: string | Buffer) => new Promise((resolve) => socket.send(data, port, hostA, resolve));

    await send(Buffer.from([0xff, 0x00, 0x7b, 0x22]));
    await send("[1,2]");
    await send('{"command":"hello"}');
    await send('{"command":"hello","peer_id":""}');
    await send('{"command":"hello","peer_id":"a"}');
    await send('{"command":"hello","peer_id":"prober"}');
    await waitFor(() => replies.length >= 1, { timeoutMs: 2_000, what: "an answer to the hello" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(replies, [{ data: '{"status":"ok","peer_id":"a"}\n', port }]);
    assert.ok(a.node.peers.list().some((p) => p.peerId === "prober" && p.address === probeHost));
  });
});
