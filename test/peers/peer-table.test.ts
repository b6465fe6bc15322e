import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PeerTable, type PeerInfo, type PeerTableSettings } from "../../src/peers/peer-table.js";
import { Stats } from "../../src/stats/stats.js";
import { FakeClock } from "../support/fake-clock.js";
import { fakeConnector, settle } from "../support/fake-connection.js";
import { LogCapture } from "../support/loopback.js";

/** Who the table holds, without sockets: admission, eviction, id clashes and moves (docs/architecture.md habit 5). */
describe("PeerTable", () => {
  function setup(settings: Partial<PeerTableSettings> = {}, ownAddresses: string[] = []) {
    const clock = new FakeClock();
    const connector = fakeConnector();
    const stats = new Stats();
    const logs = new LogCapture();
    const ownAsked: string[] = [];
    const table = new PeerTable({
      connect: connector.connect,
      logger: logs.logger("me"),
      now: clock.now,
      timers: clock,
      random: () => 0.5,
      stats,
      isOwnAddress: (address) => {
        ownAsked.push(address);
        return ownAddresses.includes(address);
      },
    }, { ownPeerId: "me", retryMinMs: 100, retryMaxMs: 1_000, peerTimeoutMs: 60_000, ...settings });
    const changes: PeerInfo[] = [];
    table.on("change", (info) => changes.push(info));
    const connectionTo = (peerId: string) => {
      const connection = connector.made.filter((c) => c.target.peerId === peerId).at(-1);
      if (!connection) throw new Error(`no connection to ${peerId}`);
      return connection;
    };
    const ids = () => table.list().map((p) => p.peerId).sort();
    return { table, clock, connector, stats, logs, changes, connectionTo, ids, ownAsked };
  }

  it("at info, meets a peer in one line, its connection's, which says how it was found", async () => {
    const logs = new LogCapture();
    const connector = fakeConnector();
    const table = new PeerTable({ connect: connector.connect, logger: logs.logger("me", "info"), timers: new FakeClock() },
      { ownPeerId: "me" });
    table.seen("bob", "198.19.0.2", "udp-answer");
    assert.deepEqual(logs.lines, [], "found: a debug line");
    connector.last().answerHello();
    await settle();
    assert.equal(logs.lines.length, 1, logs.lines.join("\n"));
    assert.match(logs.lines[0]!, / info +me: connected to bob at 198\.19\.0\.2 \(found by udp-answer\)$/);
    table.stop();
  });

  it("believes a relayed message's author only when it is not us and not a peer held at another address", () => {
    const s = setup();
    s.table.seen("bob", "198.19.0.2", "udp-hello");
    assert.equal(s.table.mayBeAuthorFrom("carol", "198.19.0.7"), true, "unknown here: a relay's author");
    assert.equal(s.table.mayBeAuthorFrom("bob", "198.19.0.2"), true, "bob speaking from bob's address");
    assert.equal(s.table.mayBeAuthorFrom("bob", "198.19.0.7"), false, "bob speaks for himself from 198.19.0.2");
    assert.equal(s.table.mayBeAuthorFrom("me", "198.19.0.7"), false, "nobody puts words in our mouth");
  });

  it("gives the relay rule each peer's segment, by how it is reached", () => {
    const s = setup();
    s.table.seen("bob", "198.19.0.2", "udp-hello");
    // Without a reachOf collaborator every peer is reached by its own route.
    assert.deepEqual([...s.table.relayCandidates()].map(({ id, host, gone }) => ({ id, host, gone })), [{ id: "bob", host: "198.19.0.2", gone: false }]);
    assert.deepEqual(s.table.list()[0]?.reach, { kind: "routed", name: "198.19.0.2" });
  });

  it("has a new revision whenever a peer comes, goes or moves, and only then", async () => {
    const s = setup({ maxPeers: 2 });
    const revisions = [s.table.revision];
    const step = () => {
      revisions.push(s.table.revision);
      return revisions.at(-1) !== revisions.at(-2);
    };
    s.table.seen("a", "198.19.6.1", "udp-hello");
    assert.ok(step(), "a admitted");
    s.table.seen("a", "198.19.6.1", "udp-answer");
    s.table.seen("a", "198.19.6.9", "tcp-hello");
    s.connectionTo("a").fail("ECONNREFUSED");
    await settle();
    assert.ok(!step(), "signs of life and a failed connection leave the hosts as they were");
    await settle();
    s.table.seen("a", "198.19.6.2", "udp-hello");
    assert.ok(step(), "a moved");
    s.table.seen("b", "198.19.6.3", "udp-hello");
    s.clock.advance(1_000);
    assert.ok(step(), "b admitted");
    s.table.seen("c", "198.19.6.4", "udp-hello");
    assert.deepEqual(s.ids(), ["b", "c"]);
    assert.ok(step(), "a evicted for c");
  });

  it("holds each peer once by peer_id, never itself, and never a peer at an address of this host", async () => {
    const s = setup({}, ["198.19.0.1"]);
    s.table.seen("me", "198.19.0.9", "udp-hello");
    s.table.seen("local-tool", "198.19.0.1", "udp-hello");
    s.table.seen("bob", "198.19.0.2", "udp-hello");
    s.table.seen("bob", "198.19.0.2", "udp-answer");
    assert.deepEqual(s.ids(), ["bob"]);
    assert.equal(s.connector.made.length, 1, "one connection per peer");
    assert.ok(s.logs.has(/not connecting to local-tool: 198\.19\.0\.1 is this host/));
    // Whether a host is ours is asked of a host new to the peer only, not of every hello again.
    assert.deepEqual(s.ownAsked, ["198.19.0.1", "198.19.0.2"]);
    // Changes are told once per peer per turn, after the code that made them.
    assert.equal(s.changes.length, 0);
    await Promise.resolve();
    assert.equal(s.changes.length, 1);
    assert.ok(s.changes.every((c) => c.peerId === "bob"));
  });

  it("admits max_peers, evicting the longest-silent idle peer, and refuses when every peer is connected", () => {
    const s = setup({ maxPeers: 3 });
    for (const [i, id] of ["a", "b", "c"].entries()) {
      s.table.seen(id, `198.19.1.${i + 1}`, "udp-hello");
      s.clock.advance(1_000);
    }
    s.table.seen("a", "198.19.1.1", "udp-hello"); // a is fresh again: b is now the longest silent
    s.table.seen("d", "198.19.1.4", "udp-hello");
    assert.deepEqual(s.ids(), ["a", "c", "d"]);
    assert.equal(s.connectionTo("b").closedWith?.code, "E_EVICTED");
    assert.ok(s.logs.has(/forgot peer b at 198\.19\.1\.2 to make room \(silent for 2 s\)/));
    assert.equal(s.stats.totals.dropped.E_EVICTED, 1);

    for (const id of ["a", "c", "d"]) s.connectionTo(id).answerHello();
    s.table.seen("e", "198.19.1.5", "udp-hello");
    s.table.seen("f", "198.19.1.6", "udp-hello");
    assert.deepEqual(s.ids(), ["a", "c", "d"], "connected peers are never evicted");
    assert.equal(s.stats.totals.dropped.E_TABLE_FULL, 2);
    assert.equal(s.logs.lines.filter((l) => /ignoring peer .* the peer table is full \(3 peers/.test(l)).length, 1, "said once a minute");
    s.clock.advance(60_000);
    s.table.seen("g", "198.19.1.7", "udp-hello");
    assert.equal(s.logs.lines.filter((l) => /the peer table is full/.test(l)).length, 2);
  });

  it("keeps a peer with connections to us when making room", () => {
    const s = setup({ maxPeers: 2 });
    s.table.seen("a", "198.19.1.1", "udp-hello");
    s.table.seen("b", "198.19.1.2", "udp-hello");
    s.table.attachInbound("a", { remoteAddress: "198.19.1.1" });
    s.clock.advance(1_000);
    s.table.seen("c", "198.19.1.3", "udp-hello");
    assert.deepEqual(s.ids(), ["a", "c"]);
  });

  it("holds at most max_ids_per_address peer ids for one address", () => {
    const s = setup({ maxIdsPerAddress: 4 });
    for (let i = 0; i < 4; i++) {
      s.table.seen(`made-up-${i}`, "198.19.2.1", "udp-hello");
      s.connectionTo(`made-up-${i}`).answerHello();
    }
    s.table.seen("made-up-4", "198.19.2.1", "udp-hello");
    assert.equal(s.table.size, 4);
    assert.ok(s.logs.has(/198\.19\.2\.1 already announced 4 peer ids that are still connected/));
    // One that is idle and has not been heard from for peer_timeout makes room for the next.
    s.connectionTo("made-up-0").fail("E_CLOSED_BY_PEER");
    s.table.seen("made-up-5", "198.19.2.1", "udp-hello");
    assert.equal(s.table.size, 4, "a peer that completed a hello and was heard from lately stays");
    s.clock.advance(60_001);
    for (const id of ["made-up-1", "made-up-2", "made-up-3"]) s.table.seen(id, "198.19.2.1", "udp-hello");
    s.table.seen("made-up-5", "198.19.2.1", "udp-hello");
    assert.deepEqual(s.ids(), ["made-up-1", "made-up-2", "made-up-3", "made-up-5"]);
    // Other addresses are not affected.
    s.table.seen("elsewhere", "198.19.2.2", "udp-hello");
    assert.equal(s.table.size, 5);
  });

  it("counts a peer that moved, or was evicted, at its new address only", async () => {
    const s = setup({ maxIdsPerAddress: 2 });
    for (const id of ["a", "b"]) {
      s.table.seen(id, "198.19.2.1", "udp-hello");
      s.connectionTo(id).fail("ECONNREFUSED");
    }
    await settle();
    s.table.seen("b", "198.19.2.3", "udp-hello");
    s.table.seen("c", "198.19.2.1", "udp-hello");
    assert.deepEqual(s.ids(), ["a", "b", "c"], "b's place at 198.19.2.1 is free once it moved");
    assert.equal(s.stats.totals.dropped.E_EVICTED ?? 0, 0, "nobody was evicted for c");
    s.table.seen("d", "198.19.2.3", "udp-hello");
    s.table.seen("e", "198.19.2.3", "udp-hello");
    assert.deepEqual(s.ids(), ["a", "c", "d", "e"], "b went to make room at its new address, and is counted there no more");
    s.table.seen("f", "198.19.2.4", "udp-hello");
    assert.equal(s.table.size, 5);
  });

  it("stays with the connected host when a second host announces the same peer_id, and says so once", () => {
    const s = setup();
    s.table.seen("twin", "198.19.3.1", "udp-hello");
    s.connectionTo("twin").answerHello();
    s.table.seen("twin", "198.19.3.2", "udp-hello");
    s.table.seen("twin", "198.19.3.2", "udp-answer");
    assert.equal(s.table.list()[0]?.address, "198.19.3.1");
    assert.equal(s.connector.made.length, 1);
    assert.equal(s.logs.lines.filter((l) => /peer_id twin is announced by 198\.19\.3\.2 too/.test(l)).length, 1);
  });

  it("keeps a peer_id at its proven address while that address may still be it, and shows the clash", async () => {
    const s = setup();
    s.table.seen("ref", "198.19.6.1", "udp-hello");
    s.connectionTo("ref").answerHello();
    // The classmate restarts: its connection ends, and another host announces its peer_id.
    s.connectionTo("ref").fail("E_CLOSED_BY_PEER");
    await settle();
    s.table.seen("ref", "198.19.6.66", "udp-hello");
    assert.equal(s.table.list()[0]?.address, "198.19.6.1");
    assert.deepEqual(s.table.list()[0]?.clash, { address: "198.19.6.66", at: s.clock.now() });
    assert.equal(s.stats.forPeer("ref").refused.E_PEER_ID_CLASH, 1);
    assert.ok(s.connector.made.every((c) => c.target.host === "198.19.6.1"), "never dialled the other host");
    // Nothing from the old address for peer_timeout: then the peer_id may move.
    s.clock.advance(60_001);
    s.table.seen("ref", "198.19.6.66", "udp-hello");
    assert.equal(s.table.list()[0]?.address, "198.19.6.66");
    assert.equal(s.table.list()[0]?.clash, undefined);
  });

  it("when full, evicts made-up ids before any peer that completed a hello and was heard lately", () => {
    const s = setup({ maxPeers: 3 });
    s.table.seen("real", "198.19.7.1", "udp-hello");
    s.connectionTo("real").answerHello();
    s.connectionTo("real").fail("E_CLOSED_BY_PEER"); // restarting: idle, but proven and recent
    s.table.seen("fake-1", "198.19.7.2", "udp-hello");
    s.table.seen("fake-2", "198.19.7.3", "udp-hello");
    s.connectionTo("fake-1").fail("EHOSTUNREACH");
    s.connectionTo("fake-2").fail("EHOSTUNREACH");
    s.table.seen("latecomer", "198.19.7.4", "udp-hello");
    assert.deepEqual(s.ids(), ["fake-2", "latecomer", "real"]);
    s.connectionTo("latecomer").answerHello();
    s.table.seen("fake-3", "198.19.7.5", "udp-hello");
    assert.deepEqual(s.ids(), ["fake-3", "latecomer", "real"], "only the made-up id went");
  });

  it("replaces made-up ids at a bounded rate: no churn through a flood of them", () => {
    const s = setup({ maxPeers: 1_000 });
    // 4 ids fill the address; each further new id would evict one of them.
    for (let i = 0; i < 1_000; i++) s.table.seen(`fake-${i}`, "198.19.9.1", "udp-hello");
    assert.equal(s.table.size, 4);
    assert.equal(s.stats.totals.dropped.E_EVICTED, 8, "8 replacements at once, then none until the bucket refills");
    s.clock.advance(1_000);
    s.table.seen("fake-next", "198.19.9.1", "udp-hello");
    assert.equal(s.stats.totals.dropped.E_EVICTED, 9, "one a second");
    // Another address is not held back by the first one's flood.
    s.table.seen("elsewhere", "198.19.9.2", "udp-hello");
    assert.ok(s.ids().includes("elsewhere"));
  });

  it("keeps the backoff of a peer that was reached and failed, however often it announces itself", async () => {
    const s = setup();
    s.table.seen("huge", "198.19.8.1", "udp-hello");
    s.connectionTo("huge").fail("E_FRAME_TOO_LARGE");
    await settle();
    const made = s.connector.made.length;
    for (let i = 0; i < 5; i++) s.table.seen("huge", "198.19.8.1", "udp-hello");
    assert.equal(s.connector.made.length, made, "no reconnect before the backoff");
    // One that found nobody there is news when it announces itself: at once.
    s.table.seen("back", "198.19.8.2", "udp-hello");
    s.connectionTo("back").fail("ECONNREFUSED");
    await settle();
    const before = s.connector.made.length;
    s.table.seen("back", "198.19.8.2", "udp-hello");
    assert.equal(s.connector.made.length, before + 1);
  });

  it("moves a peer that is not connected to where it is announced now, and connects there", async () => {
    const s = setup();
    s.table.seen("mover", "198.19.4.1", "udp-hello");
    s.connectionTo("mover").fail("ECONNREFUSED");
    await settle();
    s.table.seen("mover", "198.19.4.2", "udp-hello");
    assert.equal(s.table.list()[0]?.address, "198.19.4.2");
    assert.equal(s.connector.last().target.host, "198.19.4.2", "connected at once, at the new address");
    assert.ok(s.logs.has(/peer mover moved from 198\.19\.4\.1 to 198\.19\.4\.2 \(udp-hello\)/));
  });

  it("takes a TCP hello from another address as a sign of life, not as a move", () => {
    const s = setup();
    s.table.seen("multi", "198.19.5.1", "udp-hello");
    s.table.seen("multi", "198.19.5.9", "tcp-hello");
    const [info] = s.table.list();
    assert.equal(info?.address, "198.19.5.1");
    assert.equal(info?.lastSeenVia, "tcp-hello");
  });

  it("queues a broadcast for every peer and passes a hello reply's history on with the peer's id", async () => {
    const s = setup();
    const histories: Array<[string, unknown]> = [];
    s.table.on("history", (peerId, messages) => histories.push([peerId, messages]));
    s.table.seen("a", "198.19.6.1", "udp-hello");
    s.table.seen("b", "198.19.6.2", "udp-hello");
    s.connectionTo("a").answerHello({ "1707243010934": { peer_id: "x", message: "old" } });
    assert.deepEqual(histories, [["a", { "1707243010934": { peer_id: "x", message: "old" } }]]);
    const count = s.table.broadcast({ id: "1707243011000", peer_id: "me", message: "to all" });
    assert.equal(count, 2);
    await settle();
    assert.equal(s.connectionTo("a").sent[0]?.frame.message, "to all");
    assert.deepEqual(s.table.list().map((p) => [p.peerId, p.queued]), [["a", 1], ["b", 1]]);
  });

  it("passes new limits on: max_peers at the next admission, timeouts to every peer", async () => {
    const s = setup({ maxPeers: 5, ackTimeoutMs: 1_000 });
    s.table.seen("a", "198.19.7.1", "udp-hello");
    s.connectionTo("a").answerHello();
    s.table.reconfigure({ maxPeers: 1, ackTimeoutMs: 400 });
    s.table.seen("b", "198.19.7.2", "udp-hello");
    assert.deepEqual(s.ids(), ["a"]);
    s.table.broadcast({ id: "1707243011001", peer_id: "me", message: "x" });
    await settle();
    assert.equal(s.connectionTo("a").sent[0]?.ackTimeoutMs, 400);
  });

  it("stop() closes every connection, retries nothing and reports no more changes", async () => {
    const s = setup();
    s.table.seen("a", "198.19.8.1", "udp-hello");
    s.table.seen("b", "198.19.8.2", "udp-hello");
    s.connectionTo("b").fail("ECONNREFUSED");
    const changes = s.changes.length;
    s.table.stop();
    assert.equal(s.connectionTo("a").closedWith?.code, "E_SHUTDOWN");
    s.clock.advance(60_000);
    s.table.seen("c", "198.19.8.3", "udp-hello");
    assert.equal(s.connector.made.length, 2);
    await Promise.resolve();
    assert.equal(s.changes.length, changes);
  });

  it("says the end of a peer's connection to us, of a peer it no longer holds too, and nothing once stopped", async () => {
    const s = setup();
    s.table.seen("a", "198.19.8.1", "udp-hello");
    s.connectionTo("a").answerHello();
    await settle();
    const inbound = { remoteAddress: "198.19.8.1" };
    s.table.attachInbound("a", inbound);
    s.table.detachInbound("a", inbound, { code: "E_CLOSED_BY_PEER", message: "closed by the peer" });
    s.table.detachInbound("gone", { remoteAddress: "198.19.8.9" }, { code: "E_CLOSED_BY_PEER", message: "closed by the peer" });
    const said = () => s.logs.lines.filter((l) => / info +me: .* disconnected from us/.test(l)).map((l) => l.replace(/^.* me: /, ""));
    assert.deepEqual(said(), [
      "a disconnected from us (198.19.8.1): closed by the peer (E_CLOSED_BY_PEER)",
      "gone disconnected from us (198.19.8.9): closed by the peer (E_CLOSED_BY_PEER)",
    ]);
    // At shutdown we close the connections ourselves: the table stops first (node.ts), and says none.
    const again = { remoteAddress: "198.19.8.1" };
    s.table.attachInbound("a", again);
    s.table.stop();
    s.table.detachInbound("a", again, { code: "E_SHUTDOWN", message: "shutting down" });
    assert.equal(said().length, 2, s.logs.lines.join("\n"));
  });
});
