import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { createChatNode, type ChatLogger, type ChatMessage, type ChatNode, type ChatNodeOptions, type ChatPeer } from "../../src/index.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/**
 * createChatNode() on loopback: every 127.x address is local, so each node binds its own and
 * "broadcasts" to the other's (loopback has no broadcast); the rest is the real protocol.
 */

/**
 * The TCP sockets this process listens on, as "address:port" (Linux): the kernel's socket table
 * (/proc/net/tcp) joined with this process's own file descriptors by socket inode, so a daemon or
 * another test process listening elsewhere on the machine does not count.
 */
function ownListeners(): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const found: string[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (state !== "0A" || !local || !inode || !inodes.has(inode)) continue; // 0A: LISTEN
    // An IPv4 address is one little-endian hex word, the port big-endian hex.
    const [ip = "", port = ""] = local.split(":");
    const octets = (ip.match(/../g) ?? []).map((h) => parseInt(h, 16)).reverse();
    found.push(`${octets.join(".")}:${parseInt(port, 16)}`);
  }
  return found.sort();
}

/** This process's listeners on one address, as ports. */
function listeningPorts(address: string): number[] {
  return ownListeners()
    .filter((l) => l.startsWith(`${address}:`))
    .map((l) => Number(l.slice(address.length + 1)))
    .sort((a, b) => a - b);
}

const memory: ChatLogger & { lines: string[] } = {
  lines: [],
  error(m) { this.lines.push(`error ${m}`); },
  warn(m) { this.lines.push(`warn ${m}`); },
  info(m) { this.lines.push(`info ${m}`); },
  debug(m) { this.lines.push(`debug ${m}`); },
};

describe("createChatNode on loopback", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2pchat-api-"));
  const nodes: ChatNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function node(options: ChatNodeOptions): ChatNode {
    const created = createChatNode(options);
    nodes.push(created);
    return created;
  }

  async function pair(extra: { a?: ChatNodeOptions; b?: ChatNodeOptions } = {}) {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const a = node({ peerId: "a", port, bindAddress: hostA, broadcastAddress: hostB, ...extra.a });
    const b = node({ peerId: "b", port, bindAddress: hostB, broadcastAddress: hostA, ...extra.b });
    return { a, b, hostA, hostB, port };
  }

  it("chat: send() resolves to the stored message, both sides emit it and keep it in messages()", async () => {
    const { a, b } = await pair();
    const seenByA: ChatMessage[] = [];
    const seenByB: ChatMessage[] = [];
    a.on("message", (m) => seenByA.push(m));
    b.on("message", (m) => seenByB.push(m));
    const peersOfA: ChatPeer[] = [];
    a.on("peer", (p) => peersOfA.push(p));
    await a.start();
    await b.start();
    await waitFor(() => peersOfA.some((p) => p.peer_id === "b" && p.state === "both"), {
      timeoutMs: 5_000, what: "a `peer` event on a saying b is connected both ways",
    });

    const sent = await a.send("Dobrý den 🌍");
    assert.equal(sent.peer_id, "a");
    assert.equal(sent.message, "Dobrý den 🌍");
    assert.match(sent.id, /^\d{13,}$/);
    const reply = await waitFor(() => seenByB.find((m) => m.id === sent.id), { timeoutMs: 5_000, what: "a's message on b" });
    // On b it is a's message, delivered by a's host (on loopback, the address a connects from).
    const { via: viaOnB, ...onB } = reply;
    assert.deepEqual(onB, sent);
    assert.match(viaOnB ?? "", /^127\./);
    const answer = await b.send("ahoj a");
    const answerOnA = await waitFor(() => seenByA.find((m) => m.id === answer.id), { timeoutMs: 5_000, what: "b's answer on a" });
    assert.match(answerOnA.via ?? "", /^127\./);
    assert.equal(sent.via, undefined, "our own message has no via");

    assert.deepEqual(seenByA, [sent, answerOnA], "a's own message is an event too");
    assert.deepEqual(a.messages(), [sent, answerOnA]);
    assert.deepEqual(b.messages(), [reply, answer]);
    assert.deepEqual(a.peers().map((p) => [p.peer_id, p.state]), [["b", "both"]]);
  });

  it("messages() is a copy: changing it changes nothing in the node", async () => {
    const { a } = await pair();
    await a.start();
    const sent = await a.send("first");
    const copy = a.messages();
    copy[0]!.message = "changed";
    copy.push({ id: "1", peer_id: "x", message: "y" });
    assert.deepEqual(a.messages(), [sent]);
  });

  it("http: false (the default) listens on the protocol port only; http: {...} adds the API", async () => {
    const [quiet, served] = loopbackHosts(2) as [string, string];
    const protocolPort = await freePort();
    const withoutHttp = node({ peerId: "q", port: protocolPort, bindAddress: quiet, broadcastAddress: served });
    const withHttp = node({ peerId: "s", port: protocolPort, bindAddress: served, broadcastAddress: quiet, http: { port: 0, bind: served } });
    await withoutHttp.start();
    // Everything this process listens on: no HTTP server anywhere, not even on the default 8000.
    assert.deepEqual(ownListeners(), [`${quiet}:${protocolPort}`]);
    await withHttp.start();
    assert.equal(withoutHttp.httpAddress, undefined);
    const httpAddress = withHttp.httpAddress;
    assert.ok(httpAddress && httpAddress.port !== 0 && httpAddress.address === served);
    assert.deepEqual(listeningPorts(served), [protocolPort, httpAddress.port].sort((x, y) => x - y));
    const sent = await withHttp.send("over the API too");
    const answer = await fetch(`http://${served}:${httpAddress.port}/messages`);
    assert.deepEqual(await answer.json(), { [sent.id]: { peer_id: "s", message: "over the API too" } });
  });

  it("runs once: start() twice, send() before start() or after stop(), and start() after stop() are refused", async () => {
    const { a } = await pair();
    await assert.rejects(a.send("too early"), { name: "Error", message: /not started yet: await start\(\) first/ });
    const starting = a.start();
    await assert.rejects(a.start(), { message: "start(): already called" });
    await starting;
    await a.stop();
    await a.stop(); // twice is fine
    await assert.rejects(a.send("too late"), { message: "send(): the node is stopped" });
    await assert.rejects(a.start(), { message: /has been stopped and cannot run again/ });
    assert.deepEqual(a.messages(), []);
  });

  it("stop() before start() is fine, and the node is then stopped", async () => {
    const { a } = await pair();
    await a.stop();
    await assert.rejects(a.start(), { message: /has been stopped/ });
  });

  it("stop() during start() waits for the start, then closes everything", async () => {
    const { a, hostA } = await pair();
    const starting = a.start();
    await a.stop();
    await starting;
    assert.deepEqual(listeningPorts(hostA), []);
    await assert.rejects(a.send("x"), { message: "send(): the node is stopped" });
  });

  it("start() rejects when the port is taken, and leaves nothing open", async () => {
    const [host] = loopbackHosts(1) as [string];
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host, port: 0 }, resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const taken = node({ peerId: "late", port, bindAddress: host, broadcastAddress: host });
      await assert.rejects(taken.start(), { code: "EADDRINUSE" });
      assert.deepEqual(listeningPorts(host), [port]); // only the blocker's
      await assert.rejects(taken.send("x"), { message: "send(): the node is stopped" });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("send() checks its text: a string, not empty, within the message size peers accept", async () => {
    const { a } = await pair();
    await a.start();
    await assert.rejects(a.send(42 as unknown as string), { name: "TypeError", message: "send(): expected the text as a string, got number" });
    await assert.rejects(a.send(""), { name: "RangeError", message: "send(): expected a non-empty text" });
    await assert.rejects(a.send("é".repeat(32_769)), { name: "RangeError", message: "send(): the text is over 65536 bytes (UTF-8)" });
    assert.equal((await a.send("é".repeat(32_768))).message.length, 32_768);
  });

  it("historyFile: messages come back after a restart, as `message` events and in messages()", async () => {
    const file = join(dir, "history.json");
    writeFileSync(file, JSON.stringify({ "1707243010934": { peer_id: "molic-peer3", message: "pokus" } }));
    const { a, port, hostA, hostB } = await pair({ a: { historyFile: file } });
    const loaded: ChatMessage[] = [];
    a.on("message", (m) => loaded.push(m));
    await a.start();
    assert.deepEqual(loaded, [{ id: "1707243010934", peer_id: "molic-peer3", message: "pokus" }]);
    const sent = await a.send("kept");
    await a.stop();

    const again = node({ peerId: "a", port, bindAddress: hostA, broadcastAddress: hostB, historyFile: file });
    await again.start();
    assert.deepEqual(again.messages().map((m) => m.message), ["pokus", "kept"]);
    assert.equal(again.messages()[1]?.id, sent.id);
  });

  it("logs through the given logger, and a logger that throws does not stop the node", async () => {
    memory.lines.length = 0;
    const { a, b } = await pair({
      a: { logger: memory },
      b: { logger: { error: () => { throw new Error("broken logger"); }, warn() { throw new Error("x"); }, info() { throw new Error("x"); }, debug() { throw new Error("x"); } } },
    });
    await a.start();
    await b.start();
    await waitFor(() => a.peers().some((p) => p.state === "both"), { timeoutMs: 5_000, what: "a and b connected" });
    const sent = await a.send("logged");
    await waitFor(() => b.messages().some((m) => m.id === sent.id), { timeoutMs: 5_000, what: "a's message on b" });
    assert.ok(memory.lines.some((l) => l.startsWith(`debug message ${sent.id} sent to 1 peer`)), memory.lines.join("\n"));
  });

  it("writes nothing to stderr without a logger", async () => {
    const { a, b } = await pair();
    const original = process.stderr.write;
    const written: string[] = [];
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await a.start();
      await b.start();
      await waitFor(() => a.peers().some((p) => p.state === "both"), { timeoutMs: 5_000, what: "a and b connected" });
      await a.send("quiet");
      await a.stop();
      await new Promise((resolve) => setImmediate(resolve)); // the daemon's logger writes once per turn
    } finally {
      process.stderr.write = original;
    }
    assert.deepEqual(written, []);
  });

  it("takes static peers as HOST[:PORT] strings, and refuses anything else", () => {
    // @ts-expect-error peers is an array of strings
    assert.throws(() => createChatNode({ peers: "198.18.1.20" }), TypeError);
    assert.throws(() => createChatNode({ peers: ["198.18.1.20:99999"] }), RangeError);
  });
});
