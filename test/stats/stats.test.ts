import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errorCode, Stats } from "../../src/stats/stats.js";
import { LogThrottle } from "../../src/log/throttle.js";

describe("Stats", () => {
  it("counts in total and per peer, reasons by code", () => {
    const stats = new Stats();
    stats.count("framesIn", "bob");
    stats.count("framesIn");
    stats.countReason("refused", "E_NOT_INTRODUCED", "bob");
    stats.countReason("refused", "E_NOT_INTRODUCED");
    const { total, peers } = stats.snapshot();
    assert.equal(total.framesIn, 2);
    assert.deepEqual(total.refused, { E_NOT_INTRODUCED: 2 });
    assert.equal(peers.bob?.framesIn, 1);
    assert.deepEqual(peers.bob?.refused, { E_NOT_INTRODUCED: 1 });
  });

  it("keeps at most maxPeers peers, forgetting the one counted longest ago, and at most 64 codes per counter", () => {
    const stats = new Stats(2);
    stats.count("framesIn", "a");
    stats.count("framesIn", "b");
    stats.count("framesIn", "a");
    stats.count("framesIn", "c");
    assert.deepEqual(Object.keys(stats.snapshot().peers), ["a", "c"]);
    assert.equal(stats.totals.framesIn, 4);
    for (let i = 0; i < 100; i++) stats.countReason("closed", `E_CODE_${String.fromCharCode(65 + (i % 26))}${i}`);
    assert.equal(Object.keys(stats.totals.closed).length, 65);
    assert.equal(stats.totals.closed.other, 36);
  });

  it("counts a peer counted several times in a row once each, and still forgets the one counted longest ago", () => {
    const stats = new Stats(2);
    stats.count("framesIn", "a");
    stats.count("messagesStored", "a");
    stats.count("framesOut", "a");
    stats.count("framesIn", "b");
    stats.count("framesIn", "b");
    stats.count("framesIn", "a");
    stats.count("framesOut", "a");
    stats.count("framesIn", "c"); // b, counted longest ago, goes
    const { peers } = stats.snapshot();
    assert.deepEqual(Object.keys(peers), ["a", "c"]);
    assert.equal(peers.a?.framesIn, 2);
    assert.equal(peers.a?.framesOut, 2);
    assert.equal(peers.a?.messagesStored, 1);
    stats.count("framesIn", "d"); // a, counted longest ago now, goes
    stats.count("framesIn", "a"); // new counters for a: what it had was forgotten with it
    assert.deepEqual(Object.keys(stats.snapshot().peers), ["a", "d"]); // sorted
    assert.equal(stats.snapshot().peers.a?.framesIn, 1);
  });

  it("snapshots are copies", () => {
    const stats = new Stats();
    const snapshot = stats.snapshot();
    snapshot.total.dropped.E_X = 5;
    assert.deepEqual(stats.totals.dropped, {});
  });

  it("reads the code at the start of an error reply", () => {
    assert.equal(errorCode("E_NOT_INTRODUCED: send hello first"), "E_NOT_INTRODUCED");
    assert.equal(errorCode("go away"), "E_OTHER");
    assert.equal(errorCode(42), "E_OTHER");
  });
});

describe("LogThrottle", () => {
  it("allows a key once per interval, and again after forget()", () => {
    let now = 0;
    const throttle = new LogThrottle(1_000, () => now);
    assert.equal(throttle.allows("a"), true);
    assert.equal(throttle.allows("a"), false);
    assert.equal(throttle.allows("b"), true);
    now = 1_000;
    assert.equal(throttle.allows("a"), true);
    throttle.forget("a");
    assert.equal(throttle.allows("a"), true);
  });
});
