import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { History } from "../../src/history/history.js";
import { MessageIntake } from "../../src/history/intake.js";
import { Stats } from "../../src/stats/stats.js";
import { LogCapture } from "../support/loopback.js";

describe("MessageIntake", () => {
  function setup(limit = 100) {
    const history = new History(limit, () => 1_707_243_020_000);
    const stats = new Stats();
    const logs = new LogCapture();
    const intake = new MessageIntake(history, logs.logger("me"), stats, { maxMessageBytes: 10 });
    return { history, stats, logs, intake };
  }

  it("stores a peer's message and acks it; a known one is acked, one that would not be kept is refused", () => {
    const { history, stats, intake } = setup(1);
    assert.deepEqual(intake.receive("1707243010002", { peer_id: "bob", message: "hi" }), { ok: true, outcome: "added" });
    assert.deepEqual(intake.receive("1707243010002", { peer_id: "bob", message: "hi" }), { ok: true, outcome: "duplicate" });
    const old = intake.receive("1707243010001", { peer_id: "bob", message: "old" });
    assert.equal(old.ok ? "ok" : old.code, "E_TOO_OLD", "acked but not stored would be a lie");
    assert.deepEqual(history.get("1707243010002"), { peer_id: "bob", message: "hi" });
    assert.equal(stats.forPeer("bob").messagesStored, 1);
    assert.deepEqual(stats.forPeer("bob").refused, { E_TOO_OLD: 1 });
  });

  it("refuses a message whose id holds another one, in a new_message and in a history, and keeps the first", () => {
    const { history, stats, logs, intake } = setup();
    intake.receive("1707243010002", { peer_id: "bob", message: "hi" });
    assert.deepEqual(intake.receive("1707243010002", { peer_id: "relay", message: "hi" }), { ok: true, outcome: "duplicate" },
      "the same text under a relay's name is the same message");
    for (const other of [{ peer_id: "eve", message: "hey" }, { peer_id: "bob", message: "hi!" }]) {
      const clash = intake.receive("1707243010002", other);
      assert.equal(clash.ok ? "ok" : clash.code, "E_ID_CLASH", `acked but not stored would be a lie: ${JSON.stringify(other)}`);
      assert.match(clash.ok ? "" : clash.message, /1707243010002 already holds another message/);
    }
    assert.deepEqual(stats.forPeer("eve").refused, { E_ID_CLASH: 1 });
    assert.deepEqual(stats.forPeer("bob").refused, { E_ID_CLASH: 1 });
    const report = intake.receiveHistory("carol", {
      "1707243010002": { peer_id: "carol", message: "same ms" },
      "1707243010003": { peer_id: "carol", message: "new" },
    });
    assert.deepEqual([report.added, report.clashes, report.skipped], [1, 1, 0]);
    assert.equal(stats.forPeer("carol").dropped.E_ID_CLASH, 1);
    assert.ok(logs.lines.some((l) => /history from carol: not kept 1 of its messages, whose ids hold other texts/.test(l)), logs.lines.join("\n"));
    assert.deepEqual(history.get("1707243010002"), { peer_id: "bob", message: "hi" }, "the first copy stays");
  });

  it("refuses ids from the future with words about the sender's clock, and skips them in histories", () => {
    const { history, stats, intake } = setup();
    const micro = intake.receive("1707243020000000", { peer_id: "bob", message: "µs" });
    assert.equal(micro.ok, false);
    assert.match(micro.ok ? "" : micro.message, /looks like microseconds/);
    const report = intake.receiveHistory("bob", { "1707246620000": { peer_id: "a", message: "an hour ahead" }, "1707243010001": { peer_id: "a", message: "fine" } });
    assert.deepEqual([report.added, report.skipped], [1, 1]);
    assert.deepEqual(Object.keys(history.toJSON()), ["1707243010001"]);
    assert.equal(stats.forPeer("bob").refused.E_ID_FROM_FUTURE, 1);
  });

  it("gives each peer_id and each address a burst and a rate, then refuses with E_RATE_LIMITED", () => {
    let now = 1_707_243_020_000;
    const history = new History(1_000, () => now);
    const intake = new MessageIntake(history, new LogCapture().logger("me"), new Stats(), { peerBurst: 30, peerRatePerSecond: 2, now: () => now });
    let next = now - 100_000;
    const send = (peer: string, n: number, address = "198.18.0.2") =>
      Array.from({ length: n }, () => intake.receive(String(next++), { peer_id: peer, message: "x" }, { address }));
    assert.ok(send("paste", 30).every((v) => v.ok), "30 lines pasted at once all get in");
    const flood = send("flood", 1_000, "198.18.0.3");
    assert.equal(flood.filter((v) => v.ok).length, 30);
    assert.equal(flood.at(-1)?.ok ? "ok" : (flood.at(-1) as { code: string }).code, "E_RATE_LIMITED");
    now += 1_000;
    assert.equal(send("flooder", 3, "198.18.0.3").filter((v) => v.ok).length, 2, "the address's own bucket refills at 2/s");
  });

  it("logs refusals as a few lines and a count, even when every message claims another author", () => {
    let now = 1_707_243_020_000;
    const history = new History(100, () => now);
    const logs = new LogCapture();
    const intake = new MessageIntake(history, logs.logger("me", "debug"), new Stats(), { peerBurst: 10, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      intake.receive(String(1_707_243_000_000 + i), { peer_id: `claimed-${i}`, message: "x" }, { address: "198.18.0.66" });
    }
    now += 60_000;
    intake.flushLog();
    assert.ok(logs.lines.length <= 50, `${logs.lines.length} lines`);
    assert.ok(logs.has(/more messages refused with E_RATE_LIMITED/));
    // And the ten it took, one claimed author each, are logged as lines of one host.
    assert.ok(logs.lines.filter((l) => /received from claimed-\d+ via 198\.18\.0\.66/.test(l)).length <= 20);
  });

  it("logs a flood as a few lines and a count, not a line per message", () => {
    let now = 1_707_243_020_000;
    const history = new History(100_000, () => now);
    const logs = new LogCapture();
    const intake = new MessageIntake(history, logs.logger("me", "debug"), new Stats(), { peerBurst: 100_000, now: () => now });
    for (let i = 0; i < 10_000; i++) intake.receive(String(1_707_243_000_000 + i), { peer_id: "flood", message: "x" });
    now += 60_000;
    intake.flushLog();
    assert.ok(logs.lines.length <= 25, `${logs.lines.length} lines`);
    assert.ok(logs.has(/\.\.\. and 9980 more messages received from flood/));
  });

  it("merges a peer's history, keeps what is usable, and counts the rest as dropped", () => {
    const { history, stats, logs, intake } = setup();
    history.add("1707243010001", { peer_id: "a", message: "known" });
    const report = intake.receiveHistory("bob", {
      "1707243010001": { peer_id: "a", message: "known" },
      "1707243010002": { peer_id: "a", message: "new" },
      "12345": { peer_id: "a", message: "short id" },
      "1707243010003": { peer_id: "a", message: "longer than ten bytes" },
    });
    assert.equal(report.total, 4);
    assert.equal(report.added, 1);
    assert.equal(report.skipped, 2);
    assert.deepEqual(Object.keys(history.toJSON()), ["1707243010001", "1707243010002"]);
    assert.equal(stats.forPeer("bob").messagesStored, 1);
    assert.deepEqual(stats.forPeer("bob").dropped, { E_BAD_HISTORY_ENTRY: 2 });
    assert.ok(logs.has(/history from bob: skipped 2 entries/));
    assert.ok(logs.has(/info .*history from bob: 4 messages, 1 new/), logs.lines.join("\n"));
  });

  it("says a history that brought nothing new at debug only", () => {
    const { intake, logs } = setup();
    intake.receiveHistory("bob", { "1707243010001": { peer_id: "a", message: "one" } });
    intake.receiveHistory("carol", { "1707243010001": { peer_id: "a", message: "one" } });
    assert.ok(logs.has(/info .*history from bob: 1 messages, 1 new/), logs.lines.join("\n"));
    assert.ok(logs.has(/debug .*history from carol: 1 messages, 0 new/), logs.lines.join("\n"));
  });

  it("gives our own messages fresh ids, and counts them only in total", () => {
    const { history, stats, intake } = setup();
    const first = intake.own("me", "one");
    const second = intake.own("me", "two");
    assert.ok(second.id > first.id);
    assert.equal(history.size, 2);
    assert.equal(stats.totals.messagesStored, 2);
    assert.deepEqual(stats.snapshot().peers, {});
  });

  it("takes a new message size limit for histories while running", () => {
    const { history, intake } = setup();
    intake.reconfigure({ maxMessageBytes: 100 });
    intake.restore({ "1707243010003": { peer_id: "a", message: "longer than ten bytes" } });
    assert.equal(history.size, 1);
  });
});
