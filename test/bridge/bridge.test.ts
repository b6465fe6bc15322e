import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, it } from "node:test";
import { topicOf } from "../../src/bridge/index.js";
import type { Config } from "../../src/config/types.js";
import type { HistoryAnswer } from "../../src/http/wire.js";
import type { ChatNode } from "../../src/node.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { freePort, LogCapture, loopbackHosts } from "../support/loopback.js";
import { startRawBridge, type RawBridge } from "../support/raw-bridge.js";
import { waitFor } from "../support/wait.js";

/**
 * Bridges on loopback: ChatNodes on 127.x addresses, each alone on its "LAN" (its hellos go to an
 * address nobody listens on) unless a test puts two on one, joined only by their libp2p bridges
 * listening on /ip4/127.x/tcp/<any free port>.
 */

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "p2pchat-bridge-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY_FILE = join(dir, "room.key");
writeFileSync(KEY_FILE, "ab".repeat(32) + "\n");
const OTHER_KEY_FILE = join(dir, "other.key");
writeFileSync(OTHER_KEY_FILE, "cd".repeat(32) + "\n");

interface Running {
  node: ChatNode;
  logs: LogCapture;
  host: string;
  httpBase: string;
  /** Our bridge's first listening multiaddr, with /p2p/<id>. */
  address: string;
  id: string;
}

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.node.stop()));
});

let identities = 0;

async function start(
  host: string,
  peerId: string,
  options: {
    bridge?: Partial<Config["bridge"]>; broadcastAddress?: string; port?: number; listen?: boolean;
    history?: Partial<Config["history"]>;
  } = {},
): Promise<Running> {
  const bridge: Partial<Config["bridge"]> = {
    listen: options.listen === false ? [] : [`/ip4/${host}/tcp/0`],
    keyFile: KEY_FILE,
    identityFile: join(dir, `identity-${identities++}.key`),
    ...options.bridge,
  };
  const { node, logs, httpBase } = await startLoopbackNode(host, {
    peerId,
    port: options.port ?? await freePort(),
    // Nobody listens there: no LAN peer finds this node unless a test says so.
    broadcastAddress: options.broadcastAddress ?? host.replace(/\.\d+$/, ".250"),
    bridge,
    ...(options.history ? { history: options.history } : {}),
  });
  const view = node.bridgeView;
  assert.ok(view, "the bridge runs");
  const started: Running = { node, logs, host, httpBase, address: view.listen[0] ?? "", id: view.id };
  running.push(started);
  return started;
}

async function history(r: Running): Promise<HistoryAnswer["messages"]> {
  const response = await fetch(`${r.httpBase}/history`);
  return ((await response.json()) as HistoryAnswer).messages;
}

function connectedTo(r: Running, id: string): boolean {
  return r.node.bridgeView?.peers.some((p) => p.id === id && p.connected) === true;
}

describe("the bridge on loopback", () => {
  it("carries messages both ways between a site's LAN and the room, each marked with the bridge it came through", async () => {
    const [hostA, hostB, hostC] = loopbackHosts(3) as [string, string, string];
    const a = await start(hostA, "alice");
    // B and C share a LAN (each greets the other); only B has a bridge, and it dials A.
    const port = await freePort();
    const plainC = await startLoopbackNode(hostC, { peerId: "carol", port, broadcastAddress: hostB });
    const c: Running = { ...plainC, host: hostC, address: "", id: "" };
    running.push(c);
    const b = await start(hostB, "bob", { port, broadcastAddress: hostC, listen: false, bridge: { peers: [a.address] } });
    await waitFor(() => connectedTo(b, a.id) && connectedTo(a, b.id), { timeoutMs: 10_000, what: "A and B's bridges connected" });
    await waitFor(() => c.node.peers.list().some((p) => p.peerId === "bob" && p.outbound === "connected" && p.inbound > 0),
      { timeoutMs: 10_000, what: "B and C connected on their LAN" });

    const fromA = a.node.send("hello from site A");
    await waitFor(async () => (await history(b)).find((m) => m.id === fromA.id), { timeoutMs: 10_000, what: "A's message at B" });
    const atB = (await history(b)).find((m) => m.id === fromA.id);
    assert.deepEqual(atB, { id: fromA.id, peer_id: "alice", message: "hello from site A", via: `bridge:${a.id}` });
    // B relays it to its LAN, as relayed messages go.
    await waitFor(async () => (await history(c)).find((m) => m.id === fromA.id), { timeoutMs: 10_000, what: "A's message at C" });

    // A LAN message at site B (from C, not from B itself) reaches A through B's bridge.
    const fromC = c.node.send("hello from C on B's LAN");
    await waitFor(async () => (await history(a)).find((m) => m.id === fromC.id), { timeoutMs: 10_000, what: "C's message at A" });
    assert.equal((await history(a)).find((m) => m.id === fromC.id)?.via, `bridge:${b.id}`);

    // A publish is counted once gossipsub has taken it, which may be after it arrived.
    await waitFor(() => b.node.stats.totals.bridgePublished > 0, { timeoutMs: 5_000, what: "B's publish counted" });
    const statsA = a.node.stats.totals;
    const statsB = b.node.stats.totals;
    assert.equal(statsA.bridgePublished, 1, "A published its own message");
    assert.equal(statsB.bridgePublished, 1, "B published C's message, not A's back");
    assert.equal(statsB.bridgeReceived, 1);
    assert.equal(statsA.bridgeReceived, 1);
    assert.equal(statsA.bridgeRejected + statsB.bridgeRejected, 0);

    // GET /peers shows the bridge: ours, and the other site's.
    const peers = (await (await fetch(`${b.httpBase}/peers`)).json()) as { bridge: NonNullable<ChatNode["bridgeView"]> };
    assert.equal(peers.bridge.id, b.id);
    assert.equal(peers.bridge.room, "p2pchat");
    assert.deepEqual(peers.bridge.listen, []);
    assert.deepEqual(peers.bridge.peers.map((p) => [p.id, p.address, p.connected]), [[a.id, a.address, true]]);
    const plain = (await (await fetch(`${c.httpBase}/peers`)).json()) as Record<string, unknown>;
    assert.equal("bridge" in plain, false, "a node without a bridge answers /peers as before");
    assert.ok(a.logs.has(new RegExp(`bridge: connected to ${b.id}`)), a.logs.lines.join("\n"));
    assert.equal(a.logs.has(/refused a connection/), false, "a bridge with the key is not taken for one without");

    // p2pchat peers and status say the same, in words.
    // Not spawnSync: the daemon that answers runs in this process.
    const cli = (command: string) => execFileAsync(process.execPath, [CLI, command, "--http-bind", hostB, "--http-port", String(b.node.httpAddress.port)],
      { encoding: "utf8", cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    const peersOut = await cli("peers");
    assert.match(peersOut.stdout, new RegExp(`^Bridge ${b.id} in room "p2pchat", listening on nothing`, "m"));
    assert.match(peersOut.stdout, new RegExp(`^${a.id.slice(0, 23)}… +in the room +${a.address.replace(/\//g, "\\/")}`, "m"));
    const statusOut = await cli("status");
    assert.match(statusOut.stdout, new RegExp(`bridge +${b.id} in room "p2pchat": 1 of 1 other site connected$`, "m"));
  });

  it("catches up on connect: each side gets the other's recent history, passed on to its LAN and counted", async () => {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const a = await start(hostA, "alice");
    const early = [a.node.send("one"), a.node.send("two"), a.node.send("three")];
    // B's history file holds two messages from before: restored, not published, but caught up.
    const historyFile = join(dir, "b-history.json");
    const old = Date.now() - 60_000;
    writeFileSync(historyFile, JSON.stringify({
      [String(old)]: { peer_id: "bob", message: "from yesterday" },
      [String(old + 1)]: { peer_id: "dave", message: "also from before" },
    }));
    const b = await start(hostB, "bob", { listen: false, bridge: { peers: [a.address] }, history: { file: historyFile } });
    await waitFor(async () => {
      const ids = (await history(b)).map((m) => m.id);
      return early.every((m) => ids.includes(m.id));
    }, { timeoutMs: 10_000, what: "A's earlier messages at B" });
    for (const m of (await history(b)).filter((m) => m.peer_id === "alice")) assert.equal(m.via, `bridge:${a.id}`);
    await waitFor(async () => (await history(a)).filter((m) => m.via === `bridge:${b.id}`).length === 2,
      { timeoutMs: 10_000, what: "B's restored messages at A" });
    assert.equal(b.node.stats.totals.bridgeCaughtUp, 3);
    assert.equal(a.node.stats.totals.bridgeCaughtUp, 2);
    // Two bridges alone in the room: what one caught up from the other is not published back to it.
    assert.equal(b.node.stats.totals.bridgePublished, 0);
    assert.equal(a.node.stats.totals.bridgePublished, 3);
    assert.ok(b.logs.has(/bridge: caught up with .*: [35] messages, 3 new/), b.logs.lines.join("\n"));
  });

  it("comes back by itself: a bridge that stops and starts again is redialled, and what was said meanwhile arrives", async () => {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const identityFile = join(dir, "restarting.key");
    const bridgePort = await freePort();
    const protocolPort = await freePort();
    const listen = [`/ip4/${hostA}/tcp/${bridgePort}`];
    let a = await start(hostA, "alice", { port: protocolPort, bridge: { listen, identityFile } });
    const b = await start(hostB, "bob", { listen: false, bridge: { peers: [a.address] } });
    await waitFor(() => connectedTo(b, a.id), { timeoutMs: 10_000, what: "B connected to A" });
    await a.node.stop();
    running.splice(running.indexOf(a), 1);
    await waitFor(() => !connectedTo(b, a.id), { timeoutMs: 10_000, what: "B to see A gone" });
    const meanwhile = b.node.send("said while A was down");
    const restarted = Date.now();
    a = await start(hostA, "alice", { port: protocolPort, bridge: { listen, identityFile } });
    await waitFor(() => connectedTo(b, a.id), { timeoutMs: 15_000, what: "B back in the room with A" });
    assert.ok(Date.now() - restarted < 15_000);
    await waitFor(async () => (await history(a)).some((m) => m.id === meanwhile.id), { timeoutMs: 10_000, what: "the message at A" })
      .catch((err: Error) => { throw new Error(`${err.message}\n${a.logs.lines.join("\n")}\n${b.logs.lines.join("\n")}`); });
    assert.ok(b.logs.has(new RegExp(`bridge: lost ${a.id}; redialling`)), b.logs.lines.join("\n"));
  });

  it("keeps its identity across restarts, in a file only its owner can read", async () => {
    const [host] = loopbackHosts(1) as [string];
    const identityFile = join(dir, "kept.key");
    const first = await start(host, "alice", { bridge: { identityFile } });
    assert.equal(statSync(identityFile).mode & 0o777, 0o600);
    assert.ok(first.logs.has(new RegExp(`bridge: joined room "p2pchat" as ${first.id} \\(new identity in ${identityFile}\\)`)));
    await first.node.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start(host, "alice", { bridge: { identityFile } });
    assert.equal(second.id, first.id);
    assert.match(second.id, /^12D3KooW/);
    assert.ok(second.logs.has(new RegExp(`bridge: joined room "p2pchat" as ${first.id} \\(identity ${identityFile}\\)`)));
  });

  it("does not connect to a bridge with another room key, and says so in words", async () => {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const a = await start(hostA, "alice");
    const b = await start(hostB, "bob", { listen: false, bridge: { peers: [a.address], keyFile: OTHER_KEY_FILE } });
    await waitFor(() => b.node.bridgeView?.peers[0]?.lastError, { timeoutMs: 15_000, what: "B's dial to fail" });
    const [peer] = b.node.bridgeView?.peers ?? [];
    assert.equal(peer?.connected, false);
    assert.match(peer?.lastError ?? "", /^refused: not the same room key/);
    assert.ok(b.logs.has(/warn .*bridge: .*: refused: not the same room key/), b.logs.lines.join("\n"));
    // The bridge that was dialled says so too.
    // (From the dialler's address: loopback, whichever 127.x it picks.)
    await waitFor(() => a.logs.has(/warn .*bridge: refused a connection from \/ip4\/127\.[\d.]+\/tcp\/\d+: not the same room key/),
      { timeoutMs: 10_000, what: "A to log the refusal" }).catch((err: Error) => { throw new Error(`${err.message}\n${a.logs.lines.join("\n")}`); });
    assert.equal(connectedTo(a, b.id), false);
    const sent = a.node.send("not for the other room");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await history(b)).some((m) => m.id === sent.id), false);
  });

  it("rejects garbage from the room, counts it, and goes on taking good messages", async () => {
    const [host] = loopbackHosts(1) as [string];
    const a = await start(host, "alice");
    let raw: RawBridge | undefined;
    try {
      raw = await startRawBridge("ab".repeat(32), topicOf("p2pchat"), a.address);
      const pubsub = raw.services.pubsub;
      await waitFor(() => pubsub.getSubscribers(topicOf("p2pchat")).length > 0, { timeoutMs: 10_000, what: "A subscribed, as the raw bridge sees it" });
      const now = Date.now();
      const bad = [
        Buffer.from("not json at all"),
        Buffer.from(JSON.stringify({ id: "12", peer_id: "mallory", message: "short id" })),
        Buffer.from(JSON.stringify({ id: String(now), peer_id: "", message: "empty peer_id" })),
        Buffer.from(JSON.stringify({ id: String(now + 1), peer_id: "mallory", message: 42 })),
        Buffer.from(JSON.stringify({ id: String(now + 2), peer_id: "mallory", message: "x".repeat(64 * 1024 + 1) })),
        Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      ];
      for (const data of bad) await pubsub.publish(topicOf("p2pchat"), data);
      await pubsub.publish(topicOf("p2pchat"), Buffer.from(JSON.stringify({ id: String(now + 3), peer_id: "mallory", message: "a fine message" })));
      await waitFor(async () => (await history(a)).find((m) => m.message === "a fine message"), { timeoutMs: 10_000, what: "the good message" });
      await waitFor(() => a.node.stats.totals.bridgeRejected === bad.length ? true : undefined,
        { timeoutMs: 5_000, what: `${bad.length} rejected` });
      const stored = await history(a);
      assert.deepEqual(stored.map((m) => m.message), ["a fine message"]);
      assert.equal(stored[0]?.via, `bridge:${raw.peerId.toString()}`);
      assert.equal(a.node.stats.totals.bridgeReceived, 1);
      assert.ok(a.logs.has(/bridge: rejected a message published by .*: payload is not JSON/), a.logs.lines.join("\n"));
      // The node goes on: its own messages still go out.
      assert.ok(a.node.send("still here").id);
    } finally {
      await raw?.stop();
    }
  });

  it("stops libp2p with the node: the bridge's port is closed after stop()", async () => {
    const [host] = loopbackHosts(1) as [string];
    const a = await start(host, "alice");
    const port = Number(/\/tcp\/(\d+)/.exec(a.address)?.[1]);
    await a.node.stop();
    running.splice(running.indexOf(a), 1);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });
    assert.equal(refused, true);
  });
});
