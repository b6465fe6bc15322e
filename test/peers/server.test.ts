import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ChatNode } from "../../src/node.js";
import { PeerServer } from "../../src/peers/server.js";
import { MAX_IN_FLIGHT } from "../../src/protocol/frames.js";
import { freePort, LogCapture, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { connectScripted, ScriptedServer } from "../support/scripted-peer.js";
import { waitFor } from "../support/wait.js";

/** The TCP server side of docs/protocol.md §2, spoken to byte by byte by a scripted peer. */
describe("TCP server", () => {
  const [nodeHost, peerHost] = loopbackHosts(2) as [string, string];
  let port: number;
  let node: ChatNode;
  let logs: LogCapture;
  let peerServer: ScriptedServer;

  before(async () => {
    port = await freePort();
    // The scripted peer's own server: where the node connects back after our hello.
    peerServer = await ScriptedServer.listen(peerHost, port);
    ({ node, logs } = await startLoopbackNode(nodeHost, { peerId: "node", port }));
    node.history.add("1707243010934", { peer_id: "molic-peer3", message: "pokus" });
  });
  after(async () => {
    await node.stop();
    await peerServer.close();
  });

  const client = () => connectScripted(nodeHost, port, peerHost);

  it("answers hello with the whole history and connects back with a hello of its own", async () => {
    const peer = await client();
    const reply = await peer.request({ command: "hello", peer_id: "scripted" });
    assert.deepEqual(reply, { status: "ok", messages: { "1707243010934": { peer_id: "molic-peer3", message: "pokus" } }, max_in_flight: MAX_IN_FLIGHT });
    const back = await peerServer.connection(0);
    assert.deepEqual(await back.frame(0), { command: "hello", peer_id: "node" });
    back.send({ status: "ok", messages: {} });
    peer.close();
  });

  it("stores a new_message under the author its peer_id field names (a relay's), else under the hello's, and acks it", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "alice" });
    const ack = await peer.request({ command: "new_message", message_id: "1707243010999", message: "ahoj 👋", peer_id: "carol" });
    assert.deepEqual(ack, { status: "ok" });
    assert.deepEqual(node.history.get("1707243010999"), { peer_id: "carol", message: "ahoj 👋" });
    // Our own peer_id is never believed from someone else: stored under the connection's.
    await peer.request({ command: "new_message", message_id: "1707243010998", message: "as you", peer_id: "node" });
    assert.deepEqual(node.history.get("1707243010998"), { peer_id: "alice", message: "as you" });
    await peer.request({ command: "new_message", message_id: "1707243010997", message: "plain" });
    assert.deepEqual(node.history.get("1707243010997"), { peer_id: "alice", message: "plain" });
    peer.close();
  });

  it("answers frames that came in one read in order, and in one write (a peer that pipelines)", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "piper" });
    const first = peer.received.length;
    const ids = ["1707243011101", "1707243011102", "1707243011103"];
    peer.send(ids.map((id) => JSON.stringify({ command: "new_message", message_id: id, message: `m${id}` }) + "\n").join("")
      + '{"command":"new_message","message_id":"1707243011104"}\n');
    await peer.frame(first + 3);
    assert.deepEqual(peer.reads.at(-1), 4, "four answers in one read");
    for (let i = 0; i < 3; i++) assert.deepEqual(await peer.frame(first + i), { status: "ok" });
    assert.equal((await peer.frame(first + 3)).status, "error", "the fourth, without a message, refused in its place");
    for (const id of ids) assert.equal(node.history.get(id)?.message, `m${id}`);
    peer.close();
  });

  it("refuses new_message before hello and stores nothing", async () => {
    const peer = await client();
    const reply = await peer.request({ command: "new_message", message_id: "1707243011000", message: "early" });
    assert.equal(reply.status, "error");
    assert.match(String(reply.message), /hello/);
    assert.equal(node.history.has("1707243011000"), false);
    assert.equal(node.stats.totals.refused.E_NOT_INTRODUCED, 1);
    peer.close();
  });

  it("answers each malformed frame with an error and stays usable", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "sloppy" });
    const cases: Array<[string | object, RegExp]> = [
      ["this is not json\n", /JSON/i],
      ["[1,2,3]\n", /object/i],
      [{ command: "dance" }, /unknown command/],
      [{ peer_id: "x" }, /missing command/],
      [{ command: "new_message", message_id: "170724301", message: "short id" }, /13 digits/],
      [{ command: "new_message", message_id: "17072430110ab", message: "letters" }, /13 digits/],
      [{ command: "new_message", message_id: "1707243011001" }, /message must be a string/],
      [{ command: "new_message", message_id: "1707243011001", message: 42 }, /message must be a string/],
      [{ command: "hello" }, /peer_id/],
    ];
    for (const [frame, why] of cases) {
      const reply = await peer.request(frame);
      assert.equal(reply.status, "error", `error for ${JSON.stringify(frame)}`);
      assert.match(String(reply.message), why);
    }
    assert.equal(node.history.has("1707243011001"), false);
    assert.deepEqual(node.stats.forPeer("sloppy").refused, {
      E_INVALID_JSON: 1, E_NOT_OBJECT: 1, E_UNKNOWN_COMMAND: 1, E_NO_COMMAND: 1, E_BAD_MESSAGE_ID: 2, E_BAD_MESSAGE: 2, E_BAD_PEER_ID: 1,
    });
    assert.deepEqual(await peer.request({ command: "new_message", message_id: "1707243011002", message: "still here" }), { status: "ok" });
    assert.equal(node.history.get("1707243011002")?.peer_id, "sloppy");
    peer.close();
  });

  it("takes a numeric message_id and stores it as a string", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "numeric" });
    assert.deepEqual(await peer.request('{"command":"new_message","message_id":1707243011003,"message":"n"}\n'), { status: "ok" });
    assert.equal(node.history.get("1707243011003")?.message, "n");
    peer.close();
  });

  it("ignores unsolicited status frames instead of answering them", async () => {
    const peer = await client();
    peer.send({ status: "ok", messages: {} });
    peer.send({ status: "error", message: "whatever" });
    const reply = await peer.request({ command: "hello", peer_id: "chatty" });
    assert.equal(reply.status, "ok");
    assert.ok("messages" in reply, "the first frame we get back is the hello reply");
    peer.close();
  });

  it("answers a hello without terminator as soon as the object is complete", async () => {
    const peer = await client();
    const reply = await peer.request('{"command":"hello","peer_id":"no-newline"}');
    assert.equal(reply.status, "ok");
    assert.deepEqual(await peer.request('{"command":"new_message","message_id":"1707243011004","message":"x"}'), { status: "ok" });
    peer.close();
  });

  it("reads CR LF, pretty-printed and split frames", async () => {
    const peer = await client();
    assert.equal((await peer.request('{"command":"hello","peer_id":"crlf"}\r\n')).status, "ok");
    const pretty = JSON.stringify({ command: "new_message", message_id: "1707243011005", message: "Příliš žluťoučký" }, null, 2);
    assert.deepEqual(await peer.request(pretty + "\r\n"), { status: "ok" });
    const bytes = Buffer.from(JSON.stringify({ command: "new_message", message_id: "1707243011006", message: "kůň 🐎" }) + "\n");
    const n = peer.received.length;
    for (let i = 0; i < bytes.length; i += 3) {
      peer.socket.write(bytes.subarray(i, i + 3));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.deepEqual(await peer.frame(n), { status: "ok" });
    assert.equal(node.history.get("1707243011005")?.message, "Příliš žluťoučký");
    assert.equal(node.history.get("1707243011006")?.message, "kůň 🐎");
    peer.close();
  });

  it("acks a message it has, and refuses another under the same id, keeping the first", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "dup" });
    await peer.request({ command: "new_message", message_id: "1707243011007", message: "first" });
    assert.deepEqual(await peer.request({ command: "new_message", message_id: "1707243011007", message: "first" }), { status: "ok" });
    const clash = await peer.request({ command: "new_message", message_id: "1707243011007", message: "second" });
    assert.equal(clash.status, "error");
    assert.match(String(clash.message), /^E_ID_CLASH: message_id 1707243011007 already holds another message/);
    assert.equal(node.history.get("1707243011007")?.message, "first");
    peer.close();
  });

  it("closes a connection whose frame exceeds the frame limit, after an error reply", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "big" });
    peer.send(`{"command":"new_message","message_id":"1707243011008","message":"${"x".repeat(1024 * 1024 + 10)}"}\n`);
    await peer.closed;
    const last = peer.received.at(-1);
    assert.ok(last?.ok && last.value.status === "error" && /E_FRAME_TOO_LARGE/.test(String(last.value.message)));
    // and the server still serves others
    const other = await client();
    assert.equal((await other.request({ command: "hello", peer_id: "after-big" })).status, "ok");
    other.close();
  });

  it("does not close an idle accepted connection", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "idle" });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(peer.isClosed, false);
    assert.deepEqual(await peer.request({ command: "new_message", message_id: "1707243011009", message: "later" }), { status: "ok" });
    peer.close();
  });

  it("knows the peers that said hello while their connection is open", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "present" });
    const entry = await waitFor(() => node.peers.list().find((p) => p.peerId === "present"), {
      timeoutMs: 2_000, what: "present in the peer table",
    });
    assert.equal(entry.inbound, 1);
    assert.equal(entry.address, peerHost);
    peer.close();
  });

  it("says a peer's connection to us ended in one line, at debug too", async () => {
    const peer = await client();
    await peer.request({ command: "hello", peer_id: "leaving" });
    peer.close();
    const said = () => logs.lines.filter((l) => /leaving disconnected from us/.test(l));
    await waitFor(() => said().length > 0, { timeoutMs: 2_000, what: "the departure in the log" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(said().length, 1, said().join("\n"));
  });
});

/** What waits on whom: the peer that said hello waits for our reply; connecting back does not. */
describe("TCP server: the hello's reply first", () => {
  it("writes the hello's reply before it tells who was introduced (whose listeners connect back)", async () => {
    const [host] = loopbackHosts(1) as [string];
    const server = new PeerServer({
      logger: new LogCapture().logger("server"),
      snapshot: () => ({ "1707243010934": { peer_id: "molic-peer3", message: "pokus" } }),
      store: () => ({ ok: true, outcome: "added" }),
    }, { ownPeerId: "node" });
    await server.listen(host, 0);
    const writtenWhenIntroduced: number[] = [];
    server.on("introduced", (_peerId, _address, connection) => {
      writtenWhenIntroduced.push((connection as unknown as { socket: Socket }).socket.bytesWritten);
    });
    try {
      const peer = await connectScripted(host, server.port);
      const reply = await peer.request({ command: "hello", peer_id: "scripted" });
      assert.equal(reply.status, "ok");
      assert.equal(writtenWhenIntroduced.length, 1);
      assert.ok(writtenWhenIntroduced[0]! >= JSON.stringify(reply).length, `${writtenWhenIntroduced[0]} bytes written when introduced`);
      peer.close();
    } finally {
      await server.close();
    }
  });
});
