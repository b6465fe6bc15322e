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

  it("stores a peer's message and acks it; a known or too-old message is acked too but not stored again", () => {
    const { history, stats, intake } = setup(1);
    assert.deepEqual(intake.receive("1707243010002", { peer_id: "bob", message: "hi" }), { ok: true, outcome: "added" });
    assert.deepEqual(intake.receive("1707243010002", { peer_id: "eve", message: "mine" }), { ok: true, outcome: "duplicate" });
    assert.deepEqual(intake.receive("1707243010001", { peer_id: "bob", message: "old" }), { ok: true, outcome: "too-old" });
    assert.deepEqual(history.get("1707243010002"), { peer_id: "bob", message: "hi" });
    assert.equal(stats.forPeer("bob").messagesStored, 1);
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
    assert.equal(report.invalid.length, 2);
    assert.deepEqual(Object.keys(history.toJSON()), ["1707243010001", "1707243010002"]);
    assert.equal(stats.forPeer("bob").messagesStored, 1);
    assert.deepEqual(stats.forPeer("bob").dropped, { E_BAD_HISTORY_ENTRY: 2 });
    assert.ok(logs.has(/history from bob: skipped 2 invalid entries/));
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
