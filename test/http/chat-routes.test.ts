import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { HistoryAnswer, HealthAnswer, MessageEvent, PeersAnswer, PeerView } from "../../src/http/wire.js";
import type { StatsSnapshot } from "../../src/stats/stats.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { openEvents } from "../support/events.js";
import { connectScripted } from "../support/scripted-peer.js";
import { waitFor } from "../support/wait.js";

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json; charset=utf-8/);
  return (await response.json()) as T;
};

describe("GET /health, /peers and /events", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Two whole nodes on loopback; each "broadcasts" to the other's address (see test/peers/mesh.test.ts). */
  async function pair() {
    const [hostA, hostB] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const a = await startLoopbackNode(hostA, { peerId: "alice", port, broadcastAddress: hostB });
    cleanups.push(() => a.node.stop());
    const b = await startLoopbackNode(hostB, { peerId: "bob", port, broadcastAddress: hostA });
    const stopB = () => b.node.stop();
    cleanups.push(stopB);
    return { a, b, port, stopB };
  }

  it("/health tells a script who and how the peer is", async () => {
    const [host] = loopbackHosts(1) as [string];
    const { node, httpBase } = await startLoopbackNode(host, { peerId: "solo", port: await freePort() });
    cleanups.push(() => node.stop());
    node.send("one");
    const health = await getJson<HealthAnswer>(`${httpBase}/health`);
    assert.equal(health.status, "ok");
    assert.equal(health.peer_id, "solo");
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.equal(health.messages, 1);
    assert.equal(health.history_limit, 100);
    assert.ok(health.uptime_s >= 0 && Number.isInteger(health.uptime_s));
    assert.ok(!Number.isNaN(Date.parse(health.started_at)));
    assert.deepEqual(health.peers, { known: 0, both: 0, one_way: 0, not_connected: 0, clash: 0 });
    assert.equal((await fetch(`${httpBase}/health`, { method: "HEAD" })).status, 200);
    assert.equal((await fetch(`${httpBase}/health`, { method: "POST" })).status, 405);
  });

  it("streams new messages, from us and from peers, as events with the text exactly as sent", async () => {
    const { a, b } = await pair();
    const events = await openEvents(`${a.httpBase}/events`);
    cleanups.push(() => events.close());
    await waitFor(() => a.node.peers.list()[0]?.outbound === "connected", { timeoutMs: 3_000, what: "alice connected to bob" });

    const ours = "Příliš žluťoučký kůň 🐴 <img src=x onerror=alert(1)>\nsecond line";
    const sent = await fetch(`${a.httpBase}/send`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: ours }),
    });
    const { message_id: ourId } = (await sent.json()) as { message_id: string };
    const own = await events.find((e) => e.event === "message" && JSON.parse(e.data).id === ourId, "our message");
    assert.deepEqual(JSON.parse(own.data) as MessageEvent, { id: ourId, peer_id: "alice", message: ours });

    const theirs = b.node.send("Ahoj Alice 👋");
    const received = await events.find((e) => e.event === "message" && JSON.parse(e.data).id === theirs.id, "bob's message");
    const { via, ...rest } = JSON.parse(received.data) as MessageEvent;
    assert.deepEqual(rest, { id: theirs.id, peer_id: "bob", message: "Ahoj Alice 👋" });
    // The host that delivered it (on loopback, the address bob's connection leaves from).
    assert.match(via ?? "", /^127\./);

    // GET /history: the same, oldest first, ours without a via.
    const { messages } = await getJson<HistoryAnswer>(`${a.httpBase}/history`);
    assert.deepEqual(messages.map((m) => [m.id, m.peer_id, m.via === undefined]), [[ourId, "alice", true], [theirs.id, "bob", false]]);
  });

  it("/stats counts frames, messages and refusals, in total and per peer", async () => {
    const { a, b, port } = await pair();
    await waitFor(() => a.node.peers.list()[0]?.outbound === "connected" && b.node.peers.list()[0]?.outbound === "connected",
      { timeoutMs: 3_000, what: "connected both ways" });
    const sent = b.node.send("counted");
    await waitFor(() => a.node.history.get(sent.id), { timeoutMs: 3_000, what: "bob's message on alice" });
    const stranger = await connectScripted(a.node.httpAddress.address, port, b.node.httpAddress.address);
    cleanups.push(() => stranger.close());
    await stranger.request({ command: "new_message", message_id: "1707243019999", message: "before hello" });

    const stats = await getJson<StatsSnapshot>(`${a.httpBase}/stats`);
    const bob = stats.peers.bob;
    assert.ok(bob, "bob is counted");
    assert.ok(bob.framesIn >= 2 && bob.framesOut >= 2, "hellos, replies and the message");
    assert.equal(bob.messagesStored, 1);
    assert.equal(stats.total.refused.E_NOT_INTRODUCED, 1);
    assert.ok(stats.total.framesIn > bob.framesIn, "the stranger's frame counts in total only");
    await waitFor(() => b.node.stats.forPeer("alice").messagesAcked === 1, { timeoutMs: 3_000, what: "the ack counted on bob" });
    assert.equal((await fetch(`${a.httpBase}/stats`, { method: "POST" })).status, 405);
  });

  it("works out peer views for the event stream only while a stream is open", async () => {
    const { a } = await pair();
    await waitFor(() => a.node.peers.list()[0]?.outbound === "connected", { timeoutMs: 3_000, what: "alice connected to bob" });
    // Every datagram a peer sends changes it; nobody listens, so nothing is worked out for it.
    assert.equal(a.node.peers.listenerCount("change"), 0);
    const events = await openEvents(`${a.httpBase}/events`);
    await waitFor(() => a.node.peers.listenerCount("change") === 1, { timeoutMs: 1_000, what: "the stream listening to peer changes" });
    events.close();
    await waitFor(() => a.node.peers.listenerCount("change") === 0, { timeoutMs: 1_000, what: "no listener once the stream is closed" });
  });

  it("/peers shows the other peer connected both ways, and a peer event says when that changes, with a hint", async () => {
    const { a, port, stopB } = await pair();
    const events = await openEvents(`${a.httpBase}/events`);
    cleanups.push(() => events.close());
    await events.find((e) => e.event === "peer" && (JSON.parse(e.data) as PeerView).state === "both", "bob connected both ways");

    const { peers } = await getJson<PeersAnswer>(`${a.httpBase}/peers`);
    assert.equal(peers.length, 1);
    const bob = peers[0]!;
    assert.equal(bob.peer_id, "bob");
    // (Its address is checked on a real LAN in test/web/: on loopback every connection leaves from 127.0.0.1.)
    assert.equal(bob.state, "both");
    assert.equal(bob.summary, "connected both ways");
    assert.equal(bob.outbound, "connected");
    assert.equal(bob.inbound, 1);
    // On loopback bob's connection to us leaves from 127.0.0.1 whatever address bob listens on.
    assert.equal(bob.inbound_addresses.length, 1);
    assert.equal(bob.last_error, null);
    assert.equal(bob.hint, null);
    assert.ok(bob.last_seen_ago_ms >= 0 && bob.last_seen_ago_ms < 5_000);
    assert.ok(Date.parse(bob.first_seen) <= Date.parse(bob.last_seen));

    // Bob's server goes away: our connection breaks, and reconnecting is refused.
    await stopB();
    const refused = await events.find((e) => e.event === "peer" && JSON.parse(e.data).last_error?.code === "ECONNREFUSED",
      "a peer event with the refused reconnect");
    const view = JSON.parse(refused.data) as PeerView;
    assert.equal(view.state, "none");
    assert.equal(view.outbound === "connected", false);
    assert.match(view.hint ?? "", new RegExp(`(answers UDP|connects to us) but refuses TCP on ${port}: is its server running, or a firewall in the way\\?`));
    const health = await getJson<HealthAnswer>(`${a.httpBase}/health`);
    assert.deepEqual(health.peers, { known: 1, both: 0, one_way: 0, not_connected: 1, clash: 0 });
  });
});

describe("the chat page's files", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function node() {
    const [host] = loopbackHosts(1) as [string];
    const started = await startLoopbackNode(host, { peerId: "pages", port: await freePort() });
    cleanups.push(() => started.node.stop());
    return started.httpBase;
  }

  it("serves the page and every file it loads from the daemon itself, as UTF-8, with a strict CSP", async () => {
    const base = await node();
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.match(html, /<meta charset="utf-8">/);
    assert.match(html, /<meta name="viewport" content="width=device-width/);

    const referenced = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    assert.ok(referenced.length >= 3, `the page loads its files: ${referenced.join(", ")}`);
    const types: Record<string, RegExp> = { ".css": /^text\/css; charset=utf-8$/, ".js": /^text\/javascript; charset=utf-8$/, ".svg": /^image\/svg\+xml$/ };
    for (const ref of referenced) {
      // No CDN, no web fonts from elsewhere: the page must work on a LAN without internet.
      assert.match(ref, /^\/[^/]/, `${ref} is a path on the daemon`);
      const asset = await fetch(base + ref);
      assert.equal(asset.status, 200, ref);
      const ext = /\.[a-z]+$/.exec(ref)?.[0] ?? "";
      assert.match(asset.headers.get("content-type") ?? "", types[ext] ?? /^$/, ref);
      const text = await asset.text();
      assert.doesNotMatch(text, /(?:url\(|@import|src=|href=|fetch\(|EventSource\()\s*["']?(?:https?:)?\/\//, `${ref} loads nothing from elsewhere`);
    }
    const script = await (await fetch(`${base}/app.js`)).text();
    assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, "peer text never goes in as HTML");
  });

  it("answers a repeated request with 304 when the file has not changed, and unknown files with 404", async () => {
    const base = await node();
    const first = await fetch(`${base}/app.js`);
    const etag = first.headers.get("etag");
    assert.ok(etag);
    assert.equal(first.headers.get("cache-control"), "no-cache");
    const again = await fetch(`${base}/app.js`, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${base}/../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/web/index.html`)).status, 404);
    assert.equal((await fetch(`${base}/`, { method: "POST" })).status, 405);
  });
});
