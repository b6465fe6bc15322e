import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredMessage } from "../../src/history/history.js";
import { FloodSummary } from "../../src/log/flood-summary.js";
import { CONNECT_BACK_WAIT_MS, Peer, type PeerCollaborators, type PeerSettings } from "../../src/peers/peer.js";
import { Stats } from "../../src/stats/stats.js";
import { FakeClock } from "../support/fake-clock.js";
import { fakeConnector, settle } from "../support/fake-connection.js";
import { LogCapture } from "../support/loopback.js";

/** One remote peer without sockets: its connection's life, retries, and the stop-and-wait sender. */
describe("Peer", () => {
  function setup(settings: Partial<PeerSettings> = {}, extra: Pick<PeerCollaborators, "floodLog"> = {}) {
    const clock = new FakeClock();
    const connector = fakeConnector();
    const stats = new Stats();
    const logs = new LogCapture();
    let changes = 0;
    const peer = new Peer("bob", "198.19.0.2", "udp-hello", {
      onChange: () => changes++,
      connect: connector.connect,
      logger: logs.logger("me"),
      now: clock.now,
      timers: clock,
      random: () => 0.5, // no jitter: delays are exactly min·2^n
      stats,
      ...extra,
    }, { ownPeerId: "me", retryMinMs: 100, retryMaxMs: 1_000, ackTimeoutMs: 1_000, peerTimeoutMs: 60_000, ...settings });
    return { peer, clock, connector, stats, logs, changes: () => changes };
  }

  let n = 0;
  const message = (text: string): StoredMessage => ({ id: String(1_707_243_010_000 + ++n), peer_id: "me", message: text });

  /** The peer is heard from, and answers our hello (offering `maxInFlight`: docs/protocol.md "Pipelining"). */
  async function connected(s: ReturnType<typeof setup>, maxInFlight = 1) {
    s.peer.heard("udp-hello");
    s.connector.last().maxInFlight = maxInFlight;
    s.connector.last().answerHello();
    await settle();
    return s.connector.last();
  }

  it("connects on the first sign of life, to its address, and hands the hello reply's history on", () => {
    const { peer, connector } = setup();
    const histories: unknown[] = [];
    peer.on("history", (messages) => histories.push(messages));
    peer.heard("udp-answer");
    assert.equal(connector.made.length, 1);
    assert.deepEqual(connector.last().target, { peerId: "bob", host: "198.19.0.2" });
    assert.equal(peer.info().outbound, "connecting");
    connector.last().answerHello({ "1707243010934": { peer_id: "carol", message: "pokus" } });
    assert.deepEqual(histories, [{ "1707243010934": { peer_id: "carol", message: "pokus" } }]);
    assert.equal(peer.info().outbound, "connected");
    assert.equal(peer.info().lastSeenVia, "udp-answer");
  });

  it("says how it was found in the line of its first connection, and only there", async () => {
    const s = setup();
    const connection = await connected(s);
    connection.fail("E_CLOSED_BY_PEER");
    await settle();
    s.clock.advance(100);
    s.connector.last().answerHello();
    await settle();
    const lines = s.logs.lines.filter((l) => /connected to bob/.test(l));
    assert.equal(lines.length, 2, s.logs.lines.join("\n"));
    assert.match(lines[0]!, /connected to bob at 198\.19\.0\.2 \(found by udp-hello\)$/);
    assert.match(lines[1]!, /connected to bob at 198\.19\.0\.2$/);
  });

  it("adds no line when the peer connects back; says when the chat goes one way, and when both ways again", async () => {
    const both = setup();
    await connected(both);
    both.clock.advance(3_000);
    both.peer.attachInbound({ remoteAddress: "198.19.0.2" });
    both.clock.advance(CONNECT_BACK_WAIT_MS * 2);
    const said = both.logs.lines.filter((l) => / info +me: /.test(l));
    assert.equal(said.length, 1, said.join("\n"));
    assert.match(said[0]!, /connected to bob at 198\.19\.0\.2 \(found by udp-hello\)$/, "one line for a peer connected both ways");
    assert.equal(both.clock.pending, 0, "the wait for its connection ended with it");

    const oneWay = setup();
    await connected(oneWay);
    oneWay.clock.advance(CONNECT_BACK_WAIT_MS - 1);
    assert.equal(oneWay.logs.lines.filter((l) => l.includes("has not connected to us")).length, 0, "not before the wait is over");
    oneWay.clock.advance(1);
    assert.ok(oneWay.logs.has(/bob has not connected to us within 10 s: our messages reach it at 198\.19\.0\.2, its messages cannot reach us until it does/),
      oneWay.logs.lines.join("\n"));
    oneWay.peer.attachInbound({ remoteAddress: "198.19.0.9" });
    assert.ok(oneWay.logs.has(/bob connected to us from 198\.19\.0\.9: both ways now/), oneWay.logs.lines.join("\n"));
  });

  it("says its connection to us when the last one ended, unless our connection to it came back first", async () => {
    const s = setup();
    await connected(s);
    const first = { remoteAddress: "198.19.0.2" };
    s.peer.attachInbound(first);
    s.peer.detachInbound(first);
    s.peer.attachInbound({ remoteAddress: "198.19.0.2" });
    const back = s.logs.lines.filter((l) => / info +me: bob connected to us/.test(l));
    assert.equal(back.length, 1, s.logs.lines.join("\n"));
    assert.match(back[0]!, /bob connected to us from 198\.19\.0\.2: both ways now$/);

    // A peer that restarts: both connections end; ours comes back first, and says it.
    const restarting = setup();
    const ours = await connected(restarting);
    const theirs = { remoteAddress: "198.19.0.2" };
    restarting.peer.attachInbound(theirs);
    restarting.peer.detachInbound(theirs);
    ours.fail("E_CLOSED_BY_PEER");
    await settle();
    restarting.clock.advance(100);
    restarting.connector.last().answerHello();
    await settle();
    restarting.peer.attachInbound({ remoteAddress: "198.19.0.2" });
    assert.equal(restarting.logs.lines.filter((l) => / info +me: bob connected to us/.test(l)).length, 0, restarting.logs.lines.join("\n"));
  });

  it("says a peer leaving once at info, whichever of its two connections ends first", async () => {
    const departures = (s: ReturnType<typeof setup>, level: string) =>
      s.logs.lines.filter((l) => new RegExp(` ${level} +me: .*(disconnected from us|connection to bob .* lost)`).test(l));
    const theirsFirst = setup();
    const ours = await connected(theirsFirst);
    const theirs = { remoteAddress: "198.19.0.2" };
    theirsFirst.peer.attachInbound(theirs);
    theirsFirst.peer.detachInbound(theirs, { code: "E_CLOSED_BY_PEER", message: "closed by the peer" });
    theirsFirst.clock.advance(3);
    ours.fail("E_CLOSED_BY_PEER");
    await settle();
    assert.deepEqual(departures(theirsFirst, "info").map((l) => l.replace(/^.* me: /, "")),
      ["bob disconnected from us (198.19.0.2): closed by the peer (E_CLOSED_BY_PEER)"]);
    assert.equal(departures(theirsFirst, "debug").length, 1, theirsFirst.logs.lines.join("\n"));

    const oursFirst = setup();
    const mine = await connected(oursFirst);
    const its = { remoteAddress: "198.19.0.2" };
    oursFirst.peer.attachInbound(its);
    mine.fail("E_CLOSED_BY_PEER");
    await settle();
    oursFirst.clock.advance(3);
    oursFirst.peer.detachInbound(its, { code: "E_CLOSED_BY_PEER", message: "closed by the peer" });
    assert.deepEqual(departures(oursFirst, "info").map((l) => l.replace(/^.* me: /, "")),
      ["connection to bob at 198.19.0.2 lost: failed: E_CLOSED_BY_PEER (E_CLOSED_BY_PEER)"]);

    // Ends further apart are two events, and each is said.
    const apart = setup();
    const again = { remoteAddress: "198.19.0.2" };
    const ourConnection = await connected(apart);
    apart.peer.attachInbound(again);
    apart.peer.detachInbound(again, { code: "ETIMEDOUT", message: "read ETIMEDOUT" });
    apart.clock.advance(30_000);
    ourConnection.fail("E_ACK_TIMEOUT");
    await settle();
    assert.equal(departures(apart, "info").length, 2, apart.logs.lines.join("\n"));
  });

  it("waits two hello intervals for a peer to connect back, when the interval is longer than the protocol's", async () => {
    const slow = setup({ helloIntervalMs: 30_000 });
    await connected(slow);
    slow.clock.advance(CONNECT_BACK_WAIT_MS);
    assert.equal(slow.logs.lines.filter((l) => l.includes("has not connected to us")).length, 0, "a hello every 30 s: not yet");
    slow.clock.advance(60_000 - CONNECT_BACK_WAIT_MS);
    assert.ok(slow.logs.has(/bob has not connected to us within 60 s:/), slow.logs.lines.join("\n"));
  });

  it("does not say one way for a connection that ended, or a peer that was stopped, before the wait was over", async () => {
    const lost = setup();
    const connection = await connected(lost);
    connection.fail("E_CLOSED_BY_PEER");
    await settle();
    const stopped = setup();
    await connected(stopped);
    stopped.peer.close({ code: "E_SHUTDOWN", message: "shutting down" });
    for (const s of [lost, stopped]) {
      s.clock.advance(CONNECT_BACK_WAIT_MS * 2);
      assert.equal(s.logs.lines.filter((l) => l.includes("has not connected to us")).length, 0, s.logs.lines.join("\n"));
    }
  });

  it("one message queued for several peers is one frame, encoded once, for all of them", async () => {
    const [first, second] = [setup(), setup()];
    const [a, b] = [await connected(first), await connected(second)];
    const shared = message("to everyone");
    first.peer.enqueue(shared);
    second.peer.enqueue(shared);
    const frame = a.sent[0]?.frame;
    assert.deepEqual(frame, { command: "new_message", message_id: shared.id, message: "to everyone", peer_id: "me" });
    assert.equal(b.sent[0]?.frame, frame, "the same frame object");
    assert.ok(Object.isFrozen(frame), "frozen: encoded once (protocol/encoder.ts encodedOnce)");
  });

  it("sends its queue in order, one message at a time, each only after the previous ack, with our peer_id", async () => {
    const s = setup();
    const sent = ["one", "two", "three"].map(message);
    for (const m of sent) s.peer.enqueue(m); // queued while down: delivered once connected
    assert.equal(s.peer.queued, 3);
    const connection = await connected(s);
    assert.deepEqual(connection.sent.map((r) => r.frame), [
      { command: "new_message", message_id: sent[0]?.id, message: "one", peer_id: "me" },
    ]);
    await settle();
    assert.equal(connection.sent.length, 1, "nothing more before the ack");
    connection.ack();
    await settle();
    assert.equal(connection.sent[1]?.frame.message, "two");
    connection.ack();
    await settle();
    assert.equal(connection.sent[2]?.frame.message, "three");
    connection.ack();
    await settle();
    assert.equal(s.peer.queued, 0);
    assert.equal(s.stats.forPeer("bob").messagesAcked, 3);
  });

  it("to a peer whose hello reply offers more in flight, sends that many at once and one more per ack, in order", async () => {
    const s = setup();
    const sent = ["one", "two", "three", "four", "five"].map(message);
    for (const m of sent) s.peer.enqueue(m);
    const connection = await connected(s, 3);
    assert.deepEqual(connection.sent.map((r) => r.frame.message), ["one", "two", "three"]);
    assert.equal(connection.awaitingAcks, 3);
    assert.equal(s.peer.queued, 5, "sent and unacked still count as queued");
    connection.ack();
    await settle();
    assert.deepEqual(connection.sent.map((r) => r.frame.message), ["one", "two", "three", "four"]);
    connection.ack();
    connection.ack();
    await settle();
    assert.deepEqual(connection.sent.map((r) => r.frame.message), ["one", "two", "three", "four", "five"]);
    assert.equal(s.peer.queued, 2);
    connection.ack();
    connection.ack();
    await settle();
    assert.equal(s.peer.queued, 0);
    assert.equal(s.stats.forPeer("bob").messagesAcked, 5);
  });

  it("puts every message still unacked back in order when a pipelined connection ends, and sends them on the next", async () => {
    const s = setup();
    let connection = await connected(s, 4);
    const sent = ["a", "b", "c", "d", "e", "f"].map(message);
    for (const m of sent) s.peer.enqueue(m);
    await settle();
    connection.ack(); // a
    await settle();
    assert.deepEqual(connection.sent.map((r) => r.frame.message), ["a", "b", "c", "d", "e"]);
    connection.fail("E_CLOSED_BY_PEER");
    await settle();
    assert.equal(s.peer.queued, 5, "b to f wait for the next connection");
    s.clock.advance(100);
    connection = s.connector.last();
    connection.answerHello(); // this time a peer that takes one at a time
    await settle();
    const order: unknown[] = [];
    while (connection.awaitingAck) {
      assert.equal(connection.awaitingAcks, 1, "one at a time to a peer that offered nothing");
      order.push(connection.sent.at(-1)?.frame.message);
      connection.ack();
      await settle();
    }
    assert.deepEqual(order, ["b", "c", "d", "e", "f"]);
    assert.equal(s.peer.queued, 0);
  });

  it("when a write ends the connection (a peer that does not read), keeps the rest of the queue for the next one", async () => {
    const s = setup();
    const first = await connected(s);
    first.closeOnNextWrite = "E_WRITE_BUFFER_FULL";
    const sent = ["one", "two", "three"].map(message);
    for (const m of sent) s.peer.enqueue(m);
    await settle();
    assert.deepEqual(first.sent.map((r) => r.frame.message), ["one"], "nothing more on a closed connection");
    assert.equal(s.peer.info().lastError?.code, "E_WRITE_BUFFER_FULL");
    assert.equal(s.peer.queued, 3);
    s.clock.advance(100);
    const second = s.connector.last();
    assert.notEqual(second, first);
    second.answerHello();
    await settle();
    const order: unknown[] = [];
    while (second.awaitingAck) {
      order.push(second.sent.at(-1)?.frame.message);
      second.ack();
      await settle();
    }
    assert.deepEqual(order, ["one", "two", "three"]);
    assert.equal(s.peer.queued, 0);
  });

  it("drops a message the peer refuses instead of sending it again, and goes on with the next", async () => {
    const s = setup();
    const connection = await connected(s);
    s.peer.enqueue(message("nope"));
    s.peer.enqueue(message("fine"));
    await settle();
    connection.refuse("I do not like it");
    await settle();
    assert.equal(connection.sent[1]?.frame.message, "fine");
    assert.equal(s.peer.queued, 1);
    assert.deepEqual(s.stats.forPeer("bob").dropped, { E_REFUSED_BY_PEER: 1 });
    assert.ok(s.logs.has(/refused by bob: I do not like it/));
  });

  it("says a peer's refusals of our messages a few at a time, then as a count", async () => {
    const clock = new FakeClock();
    const logs = new LogCapture();
    const floodLog = new FloodSummary(logs.logger("me"), { linesPerInterval: 3, intervalMs: 60_000, now: clock.now });
    const s = setup({}, { floodLog });
    const connection = await connected(s);
    for (let i = 0; i < 10; i++) {
      s.peer.enqueue(message(`line ${i}`));
      await settle();
      connection.refuse("E_RATE_LIMITED: slow down");
      await settle();
    }
    assert.deepEqual(s.stats.forPeer("bob").dropped, { E_REFUSED_BY_PEER: 10 });
    const refusals = () => logs.lines.filter((l) => /refused by bob/.test(l));
    assert.equal(refusals().length, 3, logs.lines.join("\n"));
    clock.advance(60_000);
    floodLog.flush();
    assert.match(logs.lines.at(-1) ?? "", /\.\.\. and 7 more of our messages refused by bob in the last 60 s/);
  });

  it("after an ack timeout reconnects with backoff and sends the message again with a longer wait, then comes back down", async () => {
    const s = setup();
    const first = await connected(s);
    const m = message("are you there?");
    s.peer.enqueue(m);
    await settle();
    assert.equal(first.sent[0]?.ackTimeoutMs, 1_000);
    first.ackTimeout();
    await settle();
    assert.equal(s.peer.info().lastError?.code, "E_ACK_TIMEOUT");
    assert.equal(s.peer.info().outbound, "down");
    assert.equal(s.peer.queued, 1, "the message stays queued");
    s.clock.advance(99);
    assert.equal(s.connector.made.length, 1, "not before the backoff");
    s.clock.advance(1);
    assert.equal(s.connector.made.length, 2);
    const second = s.connector.last();
    second.answerHello();
    await settle();
    assert.equal(second.sent[0]?.frame.message_id, m.id);
    assert.equal(second.sent[0]?.ackTimeoutMs, 3_000, "a timed-out wait grows threefold");
    second.ack(); // at once: acks are fast again
    await settle();
    s.peer.enqueue(message("next"));
    await settle();
    assert.equal(second.sent[1]?.ackTimeoutMs, 1_500, "halved towards [TCP] ack_timeout");
    assert.equal(s.stats.forPeer("bob").closed.E_ACK_TIMEOUT, 1);
  });

  it("gives up a message after two unacked sends to a peer that never acked, and after max_send_attempts to one that has", async () => {
    const s = setup({ maxSendAttempts: 3 });
    let connection = await connected(s);
    const never = message("never acked");
    s.peer.enqueue(never);
    await settle();
    connection.ackTimeout();
    await settle();
    s.clock.advance(100);
    connection = s.connector.last();
    connection.answerHello();
    await settle();
    assert.equal(connection.sent[0]?.frame.message_id, never.id);
    connection.ackTimeout();
    await settle();
    assert.equal(s.peer.queued, 0, "dropped after 2 attempts");
    assert.deepEqual(s.stats.forPeer("bob").dropped, { E_NO_ACK: 1 });

    // Once it has acked, a missing ack means slow: it gets max_send_attempts.
    s.clock.advance(1_000);
    connection = s.connector.last();
    connection.answerHello();
    s.peer.enqueue(message("acked"));
    await settle();
    connection.ack();
    await settle();
    s.peer.enqueue(message("slow"));
    for (let attempt = 1; attempt <= 3; attempt++) {
      await settle();
      assert.equal(connection.sent.at(-1)?.frame.message, "slow", `attempt ${attempt}`);
      connection.ackTimeout();
      await settle();
      s.clock.advance(10_000);
      connection = s.connector.last();
      connection.answerHello();
    }
    await settle();
    assert.equal(s.peer.queued, 0);
    assert.deepEqual(s.stats.forPeer("bob").dropped, { E_NO_ACK: 2 });
  });

  it("keeps at most max_queued_messages, drops the oldest, and says so once a minute", async () => {
    const s = setup({ maxQueuedMessages: 3 });
    const sent = ["m1", "m2", "m3", "m4", "m5"].map(message);
    for (const m of sent) s.peer.enqueue(m);
    assert.equal(s.peer.queued, 3);
    assert.deepEqual(s.stats.forPeer("bob").dropped, { E_QUEUE_FULL: 2 });
    const warnings = () => s.logs.lines.filter((l) => /bob is 3 messages behind/.test(l)).length;
    assert.equal(warnings(), 1);
    s.clock.advance(60_000);
    s.peer.enqueue(message("m6"));
    assert.equal(warnings(), 2);
    const connection = await connected(s);
    assert.equal(connection.sent[0]?.frame.message_id, sent[3]?.id, "the oldest that was kept goes first");
  });

  it("retries a failing connect with doubling delays up to retry_max, and starts again from retry_min after a success", async () => {
    const s = setup();
    s.peer.heard("udp-hello");
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = s.connector.made.length;
      s.connector.last().fail("ECONNREFUSED");
      let waited = 0;
      while (s.connector.made.length === before) {
        s.clock.advance(1);
        waited++;
      }
      delays.push(waited);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
    assert.equal(s.peer.info().lastError?.code, "ECONNREFUSED");
    s.connector.last().answerHello();
    assert.equal(s.peer.info().lastError, undefined);
    s.connector.last().fail("E_CLOSED_BY_PEER");
    s.clock.advance(99);
    const before = s.connector.made.length;
    s.clock.advance(1);
    assert.equal(s.connector.made.length, before + 1, "back to retry_min");
    assert.equal(s.stats.forPeer("bob").closed.ECONNREFUSED, 6);
  });

  it("connects at once on a fresh sign of life instead of waiting out the backoff", () => {
    const s = setup({ retryMinMs: 5_000, retryMaxMs: 5_000 });
    s.peer.heard("udp-hello");
    s.connector.last().fail("ECONNREFUSED");
    assert.equal(s.connector.made.length, 1);
    s.peer.heard("udp-hello");
    assert.equal(s.connector.made.length, 2);
    s.clock.advance(10_000);
    assert.equal(s.connector.made.length, 2, "the scheduled retry was cancelled");
    s.peer.heard("udp-hello");
    assert.equal(s.connector.made.length, 2, "one connection at a time");
  });

  it("stops retrying once it has been silent for peer_timeout, and starts again when heard from", () => {
    const s = setup({ peerTimeoutMs: 1_000 });
    s.peer.heard("udp-hello");
    s.clock.advance(1_500);
    s.connector.last().fail("ECONNREFUSED");
    assert.equal(s.peer.gone, true);
    assert.equal(s.peer.info().gone, true);
    assert.equal(s.clock.pending, 0, "no retry scheduled");
    s.clock.advance(60_000);
    assert.equal(s.connector.made.length, 1);
    assert.ok(s.logs.has(/peer bob not heard from for 2 s: not retrying/));
    s.peer.heard("udp-hello");
    assert.equal(s.peer.gone, false);
    assert.equal(s.connector.made.length, 2);
    assert.ok(s.logs.has(/peer bob is back at 198\.19\.0\.2/));
  });

  it("counts the connections it opened to us and where they come from", () => {
    const { peer, changes } = setup();
    const a = { remoteAddress: "198.19.0.2" };
    const b = { remoteAddress: "198.19.0.3" };
    peer.attachInbound(a);
    peer.attachInbound(a);
    peer.attachInbound(b);
    assert.equal(peer.info().inbound, 2);
    assert.deepEqual(peer.info().inboundAddresses, ["198.19.0.2", "198.19.0.3"]);
    assert.equal(peer.idle, false);
    peer.detachInbound(a);
    peer.detachInbound(b);
    peer.detachInbound(b);
    assert.equal(peer.idle, true);
    assert.equal(changes(), 4, "one change per real change");
  });

  it("after close() ends its connection, makes no new one and reports no change", () => {
    const s = setup();
    s.peer.heard("udp-hello");
    const connection = s.connector.last();
    const before = s.changes();
    s.peer.close({ code: "E_EVICTED", message: "evicted" });
    assert.equal(connection.closedWith?.code, "E_EVICTED");
    s.clock.advance(60_000);
    s.peer.heard("udp-hello");
    assert.equal(s.connector.made.length, 1);
    assert.equal(s.changes(), before);
  });

  it("takes a new ack timeout and queue limit while running", async () => {
    const s = setup();
    const connection = await connected(s);
    s.peer.reconfigure({ ackTimeoutMs: 250, maxQueuedMessages: 1 });
    s.peer.enqueue(message("a"));
    s.peer.enqueue(message("b"));
    await settle();
    assert.equal(connection.sent[0]?.ackTimeoutMs, 250);
    assert.equal(s.peer.queued, 1);
  });
});
