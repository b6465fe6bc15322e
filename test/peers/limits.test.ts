import assert from "node:assert/strict";
import { connect } from "node:net";
import { afterEach, describe, it } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { connectScripted, ScriptedServer } from "../support/scripted-peer.js";
import { waitFor } from "../support/wait.js";

type Overrides = Parameters<typeof startLoopbackNode>[1];

/** Every limit of docs/architecture.md habit 2, crossed on purpose: the node answers, bounds, and goes on. */
describe("limits", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(overrides: Partial<Overrides> = {}) {
    const hosts = loopbackHosts(4) as [string, string, string, string];
    const port = await freePort();
    const started = await startLoopbackNode(hosts[0], { peerId: "node", port, ...overrides });
    cleanups.push(() => started.node.stop());
    return { ...started, hosts, port };
  }

  /** A well-behaved peer: says hello, sends one message, expects the ack. */
  async function stillServed(host: string, port: number, from: string, id: string) {
    const peer = await connectScripted(host, port, from);
    try {
      assert.equal((await peer.request({ command: "hello", peer_id: `good-${id}` })).status, "ok");
      assert.deepEqual(await peer.request({ command: "new_message", message_id: id, message: "still served" }), { status: "ok" });
    } finally {
      peer.close();
    }
  }

  it("refuses a message over max_message_bytes with E_MESSAGE_TOO_LARGE and stores nothing", async () => {
    const { node, hosts, port } = await setup();
    const peer = await connectScripted(hosts[0], port, hosts[1]);
    cleanups.push(() => peer.close());
    await peer.request({ command: "hello", peer_id: "verbose" });
    const exact = "é".repeat(32 * 1024); // 64 KiB in UTF-8: exactly the limit
    assert.deepEqual(await peer.request({ command: "new_message", message_id: "1707243010001", message: exact }), { status: "ok" });
    const reply = await peer.request({ command: "new_message", message_id: "1707243010002", message: exact + "x" });
    assert.equal(reply.status, "error");
    assert.match(String(reply.message), /^E_MESSAGE_TOO_LARGE/);
    assert.equal(node.history.has("1707243010002"), false);
    assert.equal(node.history.get("1707243010001")?.message, exact);
    assert.deepEqual(node.stats.forPeer("verbose").refused, { E_MESSAGE_TOO_LARGE: 1 });
    assert.equal(node.stats.forPeer("verbose").messagesStored, 1);
  });

  it("closes a connection that sends a 5 MB line, after one error reply, and serves others", async () => {
    const { node, hosts, port } = await setup();
    const peer = await connectScripted(hosts[0], port, hosts[1]);
    await peer.request({ command: "hello", peer_id: "flooder" });
    const line = Buffer.alloc(5 * 1024 * 1024, "a");
    peer.socket.write(line);
    peer.socket.write("\n");
    await peer.closed;
    const errors = peer.received.filter((f) => f.ok && f.value.status === "error");
    assert.equal(errors.length, 1);
    assert.ok(errors[0]?.ok && /^E_FRAME_TOO_LARGE/.test(String(errors[0].value.message)));
    await waitFor(() => node.stats.forPeer("flooder").closed.E_FRAME_TOO_LARGE === 1, { timeoutMs: 2_000, what: "the close counted" });
    assert.equal(node.stats.forPeer("flooder").refused.E_FRAME_TOO_LARGE, 1);
    await stillServed(hosts[0], port, hosts[2], "1707243010003");
  });

  it("closes a connection that never says hello after intro_timeout", async () => {
    const { node, hosts, port } = await setup({ tcp: { introTimeoutMs: 300 } });
    const started = Date.now();
    const silent = await connectScripted(hosts[0], port, hosts[1]);
    await silent.closed;
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2_000, `closed after ${took} ms`);
    const last = silent.received.at(-1);
    assert.ok(last?.ok && /^E_INTRO_TIMEOUT/.test(String(last.value.message)));
    assert.equal(node.stats.totals.closed.E_INTRO_TIMEOUT, 1);
    assert.equal(node.stats.totals.refused.E_INTRO_TIMEOUT, 1);
    // A connection that did say hello is never closed for being idle.
    const polite = await connectScripted(hosts[0], port, hosts[2]);
    cleanups.push(() => polite.close());
    await polite.request({ command: "hello", peer_id: "polite" });
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(polite.isClosed, false);
  });

  it("drops a peer that asks and never reads once the write buffer is full, and serves others", async () => {
    const { node, hosts, port } = await setup({ tcp: { maxWriteBufferBytes: 256 * 1024 } });
    for (let i = 0; i < 20; i++) {
      node.history.add(String(1_707_243_000_000 + i), { peer_id: "x", message: "z".repeat(60_000) });
    }
    // A raw socket that never reads: the kernel buffers fill, then our write buffer does.
    const socket = connect({ host: hosts[0], port, localAddress: hosts[1] });
    socket.on("error", () => {});
    socket.pause();
    const closed = new Promise((resolve) => socket.on("close", resolve));
    await new Promise((resolve) => socket.once("connect", resolve));
    for (let i = 0; i < 50; i++) socket.write('{"command":"hello","peer_id":"deaf"}\n');
    await waitFor(() => node.stats.forPeer("deaf").closed.E_WRITE_BUFFER_FULL === 1, {
      timeoutMs: 5_000, what: "the deaf peer dropped",
    });
    socket.destroy();
    await closed;
    await stillServed(hosts[0], port, hosts[2], "1707243010004");
  });

  it("takes max_connections_per_address from one address, refuses the rest, and lets others in", async () => {
    const { node, hosts, port, logs } = await setup({ tcp: { maxConnectionsPerAddress: 8, maxConnections: 2048 } });
    let refused = 0;
    const sockets = Array.from({ length: 1_000 }, () => {
      const socket = connect({ host: hosts[0], port, localAddress: hosts[1] });
      let data = "";
      socket.on("data", (chunk) => {
        const before = data.includes("E_TOO_MANY_CONNECTIONS");
        data += chunk.toString();
        if (!before && data.includes("E_TOO_MANY_CONNECTIONS")) refused++;
      });
      socket.on("error", () => {});
      return socket;
    });
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    await waitFor(() => refused >= 1_000 - 8, { timeoutMs: 15_000, what: "992 refusals" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(refused, 1_000 - 8, "exactly max_connections_per_address served");
    assert.equal(node.stats.totals.refused.E_TOO_MANY_CONNECTIONS, 1_000 - 8);
    assert.equal(logs.lines.filter((l) => /refusing connections from/.test(l)).length, 1, "one log line for the flood");
    await stillServed(hosts[0], port, hosts[2], "1707243010005");
  });

  it("refuses connections beyond max_connections in all", async () => {
    const { hosts, port } = await setup({ tcp: { maxConnectionsPerAddress: 4, maxConnections: 6 } });
    const opened = [];
    for (const from of [hosts[1], hosts[1], hosts[1], hosts[1], hosts[2], hosts[2]]) {
      const peer = await connectScripted(hosts[0], port, from);
      cleanups.push(() => peer.close());
      opened.push(peer);
    }
    const extra = await connectScripted(hosts[0], port, hosts[3]);
    await extra.closed;
    assert.ok(extra.received[0]?.ok && /^E_TOO_MANY_CONNECTIONS/.test(String(extra.received[0].value.message)));
    opened[0]?.close();
    await waitFor(async () => {
      const again = await connectScripted(hosts[0], port, hosts[3]);
      const reply = await again.request({ command: "hello", peer_id: "later" }).catch(() => undefined);
      again.close();
      return reply?.status === "ok";
    }, { timeoutMs: 3_000, what: "a place again after one connection closed" });
  });

  it("keeps the valid entries of a hello reply and logs the invalid ones", async () => {
    const { node, hosts, port } = await setup();
    const peer = await ScriptedServer.listen(hosts[1], port);
    cleanups.push(() => peer.close());
    node.peers.seen("mixed", hosts[1], "udp-hello");
    const conn = await peer.connection(0);
    await conn.frame(0);
    conn.send({
      status: "ok",
      messages: {
        "1707243010010": { peer_id: "a", message: "valid" },
        "12345": { peer_id: "a", message: "short id" },
        "1707243010011": { peer_id: "a" },
        "1707243010012": "not an object",
        "1707243010013": { peer_id: "b", message: "x".repeat(70_000) },
        "1707243010014": { peer_id: "b", message: "also valid", extra: [1] },
      },
    });
    await waitFor(() => node.history.has("1707243010014"), { timeoutMs: 2_000, what: "the merge" });
    assert.deepEqual(Object.keys(node.history.toJSON()), ["1707243010010", "1707243010014"]);
    assert.deepEqual(node.stats.forPeer("mixed").dropped, { E_BAD_HISTORY_ENTRY: 4 });
    assert.equal(node.stats.forPeer("mixed").messagesStored, 2);
  });

  it("takes new limits on reload into each part, and never changes the config object it was given", async () => {
    const { node, config, hosts } = await setup({ discovery: { maxPeers: 10, peerTimeoutMs: 30_000, intervalMs: 60_000 } });
    for (let i = 0; i < 5; i++) node.history.add(String(1_707_243_000_000 + i), { peer_id: "x", message: "m" });
    const next = structuredClone(config);
    next.discovery.maxPeers = 1;
    next.history.limit = 2;
    next.tcp.maxConnectionsPerAddress = 1;
    next.tcp.maxConnections = 1;
    const plan = node.reconfigure(next);
    assert.ok(plan.applied.some((c) => c.name === "[DISCOVERY] max_peers"));
    assert.equal(config.discovery.maxPeers, 10, "the caller's object is left alone");
    assert.equal(node.config.discovery.maxPeers, 1);
    assert.equal(node.history.size, 2, "the history limit applies at once");
    node.peers.seen("first", "127.250.1.1", "udp-hello");
    node.peers.seen("second", "127.250.1.2", "udp-hello");
    assert.equal(node.peers.list().length, 1);
    // The server's limits: one connection in all now.
    const kept = await connectScripted(hosts[0], node.config.port, hosts[1]);
    cleanups.push(() => kept.close());
    await kept.request({ command: "hello", peer_id: "kept" });
    const extra = await connectScripted(hosts[0], node.config.port, hosts[2]);
    await extra.closed;
    assert.ok(extra.received[0]?.ok && /^E_TOO_MANY_CONNECTIONS/.test(String(extra.received[0].value.message)));
  });

  it("holds at most max_peers peers and a few peer ids per address", async () => {
    const { node, hosts } = await setup({ discovery: { maxPeers: 10, peerTimeoutMs: 30_000, intervalMs: 60_000 } });
    // One address making up peer ids: only a few are kept, the longest-silent idle ones make room.
    for (let i = 0; i < 50; i++) node.peers.seen(`made-up-${i}`, hosts[1], "udp-hello");
    assert.ok(node.peers.list().filter((p) => p.address === hosts[1]).length <= 4);
    // Many addresses: the table stops at max_peers.
    for (let i = 0; i < 30; i++) node.peers.seen(`host-${i}`, `127.250.${i}.1`, "udp-hello");
    assert.ok(node.peers.list().length <= 10);
    assert.ok((node.stats.totals.dropped.E_EVICTED ?? 0) > 0, "idle peers evicted to make room");
  });
});
