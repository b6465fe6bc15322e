import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as afterTurn } from "node:timers/promises";
import { hostInterfaces, hostInterfacesWithoutWaiting } from "../../src/discovery/host-interfaces.js";

describe("hostInterfaces: one reading of the interfaces, shared", () => {
  it("reads afresh when asked for a reading younger than the last, and shares the last otherwise", () => {
    const now = Date.now();
    const first = hostInterfaces(0, now);
    assert.notEqual(hostInterfaces(0, now), first, "max age 0: a new reading");
    const fresh = hostInterfaces(0, now);
    assert.equal(hostInterfaces(10_000, now + 9_999), fresh, "younger than 10 s: the same reading");
    assert.notEqual(hostInterfaces(10_000, now + 10_000), fresh, "10 s old: read again");
    assert.ok(Object.keys(fresh).length > 0, "every host has at least loopback");
  });

  it("without waiting: an old reading is given, and read again once this turn is over", async () => {
    // Times of their own, after those of the test before (which read "10 s later").
    const now = Date.now() + 60_000;
    const old = hostInterfaces(0, now);
    const given = hostInterfacesWithoutWaiting(0, now + 1);
    assert.equal(given, old, "the old reading, not a new one on this turn");
    assert.equal(hostInterfacesWithoutWaiting(0, now + 2), old, "asked again on the same turn: still the old one");
    await afterTurn();
    const reread = hostInterfaces(Infinity);
    assert.notEqual(reread, old, "a new reading was taken after the turn");
    assert.equal(hostInterfacesWithoutWaiting(60_000, Date.now()), reread, "young enough: the same reading");
    await afterTurn();
    assert.equal(hostInterfaces(Infinity), reread, "and none read after it");
  });
});
