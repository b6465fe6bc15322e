import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostInterfaces } from "../../src/discovery/host-interfaces.js";

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
});
