import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import type { ChatNode } from "../../src/node.js";
import type { SeenVia } from "../../src/peers/peer.js";
import type { FramedSocket } from "../../src/peers/framed-socket.js";
import { OutboundConnection, type AckResult } from "../../src/peers/outbound.js";
import { MAX_IN_FLIGHT } from "../../src/protocol/frames.js";
import { freePort, LogCapture, loopbackHosts } from "../support/loopback.js";
import { startBlackHole, startLoopbackNode } from "../support/loopback-node.js";
import { ScriptedServer } from "../support/scripted-peer.js";
import { sleep, waitFor } from "../support/wait.js";

/** Our side of docs/protocol.md §2: the connection we open, its waits and their timeouts. */
describe("outbound connections", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(tcp: Record<string, number> = {}, discovery: Record<string, number> = {}) {
    const [nodeHost, peerHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const started = await startLoopbackNode(nodeHost, { peerId: "node", port, tcp, discovery });
    cleanups.push(() => started.node.stop());
    return { ...started, nodeHost, peerHost, port };
  }

  async function scripted(host: string, port: number) {
    const server = await ScriptedServer.listen(host, port);
    cleanups.push(() => server.close());
    return server;
  }

  /**
   * `peerId` is found at `peerHost` (`via`) and our hello to it is answered with `reply`: the
   * connection, once the node has it as connected.
   */
  async function connectedTo(node: ChatNode, peer: ScriptedServer, peerId: string, peerHost: string, via: SeenVia,
    reply: object = { status: "ok", messages: {} }) {
    node.peers.seen(peerId, peerHost, via);
    const conn = await peer.connection(0);
    await conn.frame(0);
    conn.send(reply);
    await waitFor(() => node.peers.list()[0]?.outbound === "connected", { timeoutMs: 2_000, what: "connected" });
    return conn;
  }

  /** An OutboundConnection of its own to a scripted peer, whose hello reply offered `maxInFlight`. */
  async function readyOutbound(peerId: string, maxInFlight: number) {
    const [host] = loopbackHosts(1) as [string];
    const port = await freePort();
    const peer = await scripted(host, port);
    const outbound = new OutboundConnection({
      peerId, host, ownPeerId: "node", port, connectTimeoutMs: 2_000, helloTimeoutMs: 2_000,
      maxFrameBytes: 64 * 1024, maxHelloReplyBytes: 1024 * 1024, maxWriteBufferBytes: 1024 * 1024,
      logger: new LogCapture().logger("outbound"),
    });
    cleanups.push(() => outbound.close({ code: "E_TEST_OVER", message: "test over" }));
    const conn = await peer.connection(0);
    await conn.frame(0);
    const ready = once(outbound, "ready");
    conn.send({ status: "ok", messages: {}, max_in_flight: maxInFlight });
    await ready;
    return { outbound, conn };
  }

  /** The n-th new_message frame of a test that drives an OutboundConnection itself. */
  const frame = (n: number) => ({ command: "new_message", message_id: `${1_700_000_000_000 + n}`, message: `m${n}` });

  /** Waits until a connection to `peerId` has ended with `code`, as the counters tell it. */
  const closedWith = (node: ChatNode, peerId: string, code: string) =>
    waitFor(() => (node.stats.forPeer(peerId).closed[code] ?? 0) >= 1, { timeoutMs: 5_000, what: `a close with ${code}` });

  it("gives up a connect that gets no answer after the connect timeout", async () => {
    const { node, peerHost, port } = await setup({ connectTimeoutMs: 300 });
    const hole = await startBlackHole(peerHost, port);
    cleanups.push(() => hole.stop());
    const started = Date.now();
    node.peers.seen("silent", peerHost, "udp-hello");
    await closedWith(node, "silent", "E_CONNECT_TIMEOUT");
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2_000, `timed out after ${took} ms`);
    assert.equal(node.peers.list()[0]?.lastError?.code, "E_CONNECT_TIMEOUT");
  });

  it("gives up a hello that gets no reply, then tries again with backoff", async () => {
    const { node, peerHost, port } = await setup({ helloTimeoutMs: 300 });
    const peer = await scripted(peerHost, port);
    node.peers.seen("mute", peerHost, "udp-hello");
    const first = await peer.connection(0);
    assert.deepEqual(await first.frame(0), { command: "hello", peer_id: "node" });
    await closedWith(node, "mute", "E_HELLO_TIMEOUT");
    await first.closed;
    // The retry: a new connection with a new hello, which this time is answered.
    const second = await peer.connection(1, 3_000);
    assert.deepEqual(await second.frame(0), { command: "hello", peer_id: "node" });
    second.send({ status: "ok", messages: { "1707243010934": { peer_id: "mute", message: "from history" } } });
    await waitFor(() => node.history.get("1707243010934"), { timeoutMs: 2_000, what: "the merged history" });
    assert.equal(node.peers.list()[0]?.outbound, "connected");
  });

  it("sends new messages one at a time, each after the previous ack, with our peer_id", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 3_000 });
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "careful", peerHost, "udp-answer");
    const sent = ["one", "two", "three"].map((text) => node.send(text));
    const first = await conn.frame(1);
    assert.deepEqual(first, { command: "new_message", message_id: sent[0]?.id, message: "one", peer_id: "node" });
    await sleep(300);
    assert.equal(conn.received.length, 2, "nothing more is sent before the ack");
    conn.send({ status: "ok" });
    assert.equal((await conn.frame(2)).message, "two");
    conn.send({ status: "ok" });
    assert.equal((await conn.frame(3)).message, "three");
    conn.send({ status: "ok" });
    await waitFor(() => node.peers.list()[0]?.queued === 0, { timeoutMs: 2_000, what: "an empty queue" });
  });

  it("pipelines to a peer whose hello reply offers it: that many at once, the next as acks come, in order", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 3_000 });
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "quick", peerHost, "udp-answer", { status: "ok", messages: {}, max_in_flight: 3 });
    const sent = ["one", "two", "three", "four", "five"].map((text) => node.send(text));
    await conn.frame(3);
    await sleep(300);
    assert.equal(conn.received.length, 4, "the hello and three in flight; no more before an ack");
    // Two acks in one write: the next two go out.
    conn.send('{"status":"ok"}\n{"status":"ok"}\n');
    await conn.frame(5);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await conn.frame(i + 1), { command: "new_message", message_id: sent[i]?.id, message: sent[i]?.message, peer_id: "node" });
    }
    await sleep(200);
    assert.equal(conn.received.length, 6, "three in flight again");
    conn.send('{"status":"ok"}\n{"status":"ok"}\n{"status":"ok"}\n');
    await waitFor(() => node.peers.list()[0]?.queued === 0, { timeoutMs: 2_000, what: "all five acked" });
    assert.equal(node.stats.forPeer("quick").messagesAcked, 5);
  });

  it("writes the first frame at once, and holds those sent while acks are awaited for one write at the end of the turn", async () => {
    const { outbound, conn } = await readyOutbound("quick", 3);
    const { socket } = (outbound as unknown as { framed: FramedSocket }).framed;

    const acks: Array<[number, AckResult]> = [];
    const request = (n: number) => assert.equal(outbound.request(frame(n), 3_000, (result) => acks.push([n, result])), undefined);
    // A chat's pace: nothing awaits an ack, so the message is not held back for the others.
    request(1);
    assert.equal(socket.writableCorked, 0, "the first is not held");
    // Sent while the first awaits its ack (a burst): held, to leave together.
    request(2);
    request(3);
    // A fourth while the three offered await their acks is not sent, and says why.
    assert.equal(outbound.request(frame(4), 3_000, () => assert.fail("never sent, never acked"))?.code, "E_BUSY");
    assert.equal(socket.writableCorked, 1, "those sent while an ack is awaited are held");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(socket.writableCorked, 0, "released at the end of the turn");
    for (let n = 1; n <= 3; n++) assert.equal((await conn.frame(n)).message, `m${n}`);
    conn.send('{"status":"ok"}\n{"status":"ok"}\n{"status":"ok"}\n');
    await waitFor(() => acks.length === 3, { timeoutMs: 3_000, what: "the three acks told" });
    assert.deepEqual(acks, [[1, { ok: true }], [2, { ok: true }], [3, { ok: true }]]);
  });

  it("takes at most MAX_IN_FLIGHT at once, however many a peer offers", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 3_000 });
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "greedy", peerHost, "udp-answer", { status: "ok", messages: {}, max_in_flight: 1_000_000 });
    for (let i = 0; i < MAX_IN_FLIGHT + 5; i++) node.send(`m${i}`);
    await conn.frame(MAX_IN_FLIGHT);
    await sleep(300);
    assert.equal(conn.received.length, 1 + MAX_IN_FLIGHT);
  });

  it("ends the connection when an ack does not come, reconnects and sends the message again", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 400 });
    const peer = await scripted(peerHost, port);
    node.peers.seen("slow", peerHost, "udp-hello");
    const first = await peer.connection(0);
    await first.frame(0);
    first.send({ status: "ok", messages: {} });
    await waitFor(() => node.peers.list()[0]?.outbound === "connected", { timeoutMs: 2_000, what: "connected" });
    const message = node.send("are you there?");
    assert.equal((await first.frame(1)).message_id, message.id);
    await closedWith(node, "slow", "E_ACK_TIMEOUT");
    const second = await peer.connection(1, 3_000);
    assert.equal((await second.frame(0)).command, "hello");
    second.send({ status: "ok", messages: {} });
    assert.deepEqual(await second.frame(1), { command: "new_message", message_id: message.id, message: "are you there?", peer_id: "node" });
    second.send({ status: "ok" });
    await waitFor(() => node.peers.list()[0]?.queued === 0, { timeoutMs: 2_000, what: "the message acked" });
  });

  it("waits for each ack its full time from its own send, whatever came before it", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 600 });
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "steady", peerHost, "udp-hello");
    node.send("one");
    await conn.frame(1);
    conn.send({ status: "ok" });
    // The second goes 400 ms after the first, and is never acked: its wait ends 600 ms after it
    // was sent, not 600 ms after the first was.
    await sleep(400);
    node.send("two");
    const sent = Date.now();
    await conn.frame(2);
    await closedWith(node, "steady", "E_ACK_TIMEOUT");
    const waited = Date.now() - sent;
    assert.ok(waited >= 550 && waited < 1_500, `the connection ended ${waited} ms after the unacked send`);
    assert.equal(node.stats.forPeer("steady").messagesAcked, 1);
  });

  it("ends the connection when the earliest ack is due, though a request before it may wait longer", async () => {
    const { outbound } = await readyOutbound("pipelined", 3);
    const closed = once(outbound, "close");
    const never = () => assert.fail("no ack is sent");
    // The first may wait 5 s; the second, sent after it (a peer's wait comes down once its acks are
    // quick again), only 300 ms: the connection ends when the second's wait is over.
    const sent = Date.now();
    assert.equal(outbound.request(frame(1), 5_000, never), undefined);
    assert.equal(outbound.request(frame(2), 300, never), undefined);
    const [reason] = (await closed) as [{ code: string; message: string }];
    const waited = Date.now() - sent;
    assert.equal(reason.code, "E_ACK_TIMEOUT");
    assert.equal(reason.message, "no ack within 300 ms");
    assert.ok(waited >= 290 && waited < 2_000, `the connection ended ${waited} ms after the sends`);
  });

  it("queues messages for a peer that is down and delivers them when it is back", async () => {
    const { node, peerHost, port } = await setup({});
    node.peers.seen("later", peerHost, "udp-hello");
    await waitFor(() => node.peers.list()[0]?.lastError, { timeoutMs: 2_000, what: "a refused connection" });
    const message = node.send("while you were out");
    const peer = await scripted(peerHost, port);
    const conn = await peer.connection(0, 3_000);
    await conn.frame(0);
    conn.send({ status: "ok", messages: {} });
    assert.equal((await conn.frame(1)).message_id, message.id);
  });

  it("keeps at most max_queued_messages for a peer that is behind, drops the oldest and says so once", async () => {
    const { node, logs, peerHost, port } = await setup({ maxQueuedMessages: 3 });
    node.peers.seen("behind", peerHost, "udp-hello");
    await waitFor(() => node.peers.list()[0]?.lastError, { timeoutMs: 2_000, what: "a refused connection" });
    const sent = ["m1", "m2", "m3", "m4", "m5"].map((text) => node.send(text));
    assert.equal(node.peers.list()[0]?.queued, 3);
    assert.deepEqual(node.stats.forPeer("behind").dropped, { E_QUEUE_FULL: 2 });
    assert.equal(logs.lines.filter((l) => /behind is 3 messages behind .* dropped message/.test(l)).length, 1, "said once");
    const peer = await scripted(peerHost, port);
    node.peers.seen("behind", peerHost, "udp-hello");
    const conn = await peer.connection(0, 3_000);
    await conn.frame(0);
    conn.send({ status: "ok", messages: {} });
    for (const [i, expected] of sent.slice(2).entries()) {
      assert.equal((await conn.frame(i + 1)).message_id, expected.id);
      conn.send({ status: "ok" });
    }
  });

  it("drops a message the peer refuses instead of sending it forever", async () => {
    const { node, peerHost, port } = await setup({});
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "picky", peerHost, "udp-hello");
    node.send("nope");
    await conn.frame(1);
    conn.send({ status: "error", message: "I do not like it" });
    await waitFor(() => node.stats.forPeer("picky").dropped.E_REFUSED_BY_PEER === 1, { timeoutMs: 5_000, what: "the refusal counted" });
    assert.equal(node.peers.list()[0]?.queued, 0);
    assert.equal(node.stats.forPeer("picky").messagesAcked, 0);
  });

  it("treats a hello refused with an error as a failed connection", async () => {
    const { node, peerHost, port } = await setup({});
    const peer = await scripted(peerHost, port);
    node.peers.seen("grumpy", peerHost, "udp-hello");
    const conn = await peer.connection(0);
    await conn.frame(0);
    conn.send({ status: "error", message: "go away" });
    await closedWith(node, "grumpy", "E_HELLO_REFUSED");
    assert.match(node.peers.list()[0]?.lastError?.message ?? "", /go away/);
  });

  // 10 KB of nesting used to overflow the stack in JSON.stringify on this side and kill the process.
  const deepReply = `{"status":"ok","messages":${"[".repeat(5_000)}${"]".repeat(5_000)}}\n`;

  it("answers a hello reply nested 5,000 levels deep with E_TOO_DEEP and takes the next good one", async () => {
    const { node, peerHost, port } = await setup({});
    const peer = await scripted(peerHost, port);
    node.peers.seen("deep", peerHost, "udp-hello");
    const conn = await peer.connection(0);
    await conn.frame(0);
    conn.send(deepReply);
    const reply = await conn.frame(1);
    assert.equal(reply.status, "error");
    assert.match(String(reply.message), /^E_TOO_DEEP/);
    conn.send({ status: "ok", messages: { "1707243010934": { peer_id: "deep", message: "shallow" } } });
    await waitFor(() => node.history.get("1707243010934"), { timeoutMs: 2_000, what: "the good reply merged" });
  });

  it("answers an ack nested 5,000 levels deep with E_TOO_DEEP and goes on", async () => {
    const { node, peerHost, port } = await setup({ ackTimeoutMs: 2_000 });
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "deep-ack", peerHost, "udp-hello");
    node.send("one");
    await conn.frame(1);
    conn.send(deepReply);
    assert.match(String((await conn.frame(2)).message), /^E_TOO_DEEP/);
    conn.send({ status: "ok" });
    node.send("two");
    assert.equal((await conn.frame(3)).message, "two");
  });

  it("stays with the connected host when a second host announces the same peer_id", async () => {
    const { node, logs, peerHost, port } = await setup({}, { peerTimeoutMs: 1_000 });
    const [, , twinHost] = loopbackHosts(3) as [string, string, string];
    const peer = await scripted(peerHost, port);
    const conn = await connectedTo(node, peer, "twin", peerHost, "udp-hello");
    node.peers.seen("twin", twinHost, "udp-hello");
    node.peers.seen("twin", twinHost, "udp-hello");
    assert.equal(node.peers.list()[0]?.address, peerHost);
    assert.equal(logs.lines.filter((l) => /peer_id twin is announced by .* too/.test(l)).length, 1);
    // Once that connection is gone, the peer_id stays while its address may still be it (a
    // restart), and moves once nothing has come from there for peer_timeout (1 s here).
    conn.close();
    await waitFor(() => node.peers.list()[0]?.outbound !== "connected", { timeoutMs: 2_000, what: "disconnected" });
    node.peers.seen("twin", twinHost, "udp-hello");
    assert.equal(node.peers.list()[0]?.address, peerHost);
    await sleep(1_100);
    node.peers.seen("twin", twinHost, "udp-hello");
    assert.equal(node.peers.list()[0]?.address, twinHost);
    assert.ok(logs.has(/peer twin moved from .* to /));
  });

  it("never connects to itself when another program on its own address says hello", async () => {
    const { node, logs, nodeHost } = await setup({});
    node.peers.seen("local-tool", nodeHost, "udp-hello");
    assert.deepEqual(node.peers.list(), []);
    assert.ok(logs.has(/not connecting to local-tool: .* is this host/));
  });

  it("stops retrying a peer that no longer announces itself", async () => {
    const { node, peerHost } = await setup({}, { peerTimeoutMs: 300 });
    node.peers.seen("vanished", peerHost, "udp-hello");
    await waitFor(() => node.peers.list()[0]?.gone, { timeoutMs: 5_000, what: "retries stopped" });
    const attempts = node.stats.forPeer("vanished").closed.ECONNREFUSED;
    await sleep(600);
    assert.equal(node.stats.forPeer("vanished").closed.ECONNREFUSED, attempts, "no attempt while gone");
    // A new sign of life starts it again.
    node.peers.seen("vanished", peerHost, "udp-hello");
    assert.equal(node.peers.list()[0]?.gone, false);
    await waitFor(() => (node.stats.forPeer("vanished").closed.ECONNREFUSED ?? 0) > (attempts ?? 0),
      { timeoutMs: 5_000, what: "retries resumed" });
  });
});
