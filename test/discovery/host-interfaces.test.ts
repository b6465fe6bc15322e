import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { describe, it } from "node:test";
import { setImmediate as afterTurn } from "node:timers/promises";
import { hostInterfaces, hostInterfacesReadAt, hostInterfacesWithoutWaiting, sameReading } from "../../src/discovery/host-interfaces.js";

describe("hostInterfaces: one reading of the interfaces, shared", () => {
  it("reads afresh when asked for a reading younger than the last, and shares the last otherwise", () => {
    const now = Date.now();
    hostInterfaces(0, now);
    assert.equal(hostInterfacesReadAt(), now, "max age 0: a new reading");
    const fresh = hostInterfaces(0, now + 1);
    assert.equal(hostInterfacesReadAt(), now + 1, "max age 0 again: read again");
    assert.equal(hostInterfaces(10_000, now + 9_999), fresh, "younger than 10 s: the same reading");
    assert.equal(hostInterfacesReadAt(), now + 1, "and the kernel not asked");
    hostInterfaces(10_000, now + 10_001);
    assert.equal(hostInterfacesReadAt(), now + 10_001, "10 s old: read again");
    assert.ok(Object.keys(fresh).length > 0, "every host has at least loopback");
  });

  it("a reading that finds the interfaces as they were is the last reading's object", () => {
    // The host's interfaces do not change within a test: what was worked out from the first
    // reading (the relay's segments, the admission's addresses) holds after the second.
    const now = Date.now() + 30_000;
    const first = hostInterfaces(0, now);
    const second = hostInterfaces(0, now + 1);
    assert.equal(hostInterfacesReadAt(), now + 1, "the kernel was asked again");
    assert.equal(second, first, "the same interfaces: the same object");
  });

  it("without waiting: an old reading is given, and read again once this turn is over", async () => {
    // Times of their own, after those of the tests before.
    const now = Date.now() + 60_000;
    const old = hostInterfaces(0, now);
    const given = hostInterfacesWithoutWaiting(0, now + 1);
    assert.equal(given, old, "the old reading, not a new one on this turn");
    assert.equal(hostInterfacesWithoutWaiting(0, now + 2), old, "asked again on the same turn: still the old one");
    assert.equal(hostInterfacesReadAt(), now, "the kernel not asked on this turn");
    await afterTurn();
    const rereadAt = hostInterfacesReadAt();
    assert.notEqual(rereadAt, now, "a new reading was taken after the turn");
    assert.equal(hostInterfacesWithoutWaiting(60_000, Date.now()), old, "young enough, and the interfaces as they were");
    await afterTurn();
    assert.equal(hostInterfacesReadAt(), rereadAt, "and none read after it");
  });
});

describe("sameReading: whether the interfaces changed", () => {
  const info = (address: string, netmask = "255.255.255.0"): NetworkInterfaceInfo => ({
    address, netmask, family: "IPv4", mac: "02:00:00:00:00:01", internal: false, cidr: `${address}/24`,
  });
  const reading = (...pairs: Array<[string, NetworkInterfaceInfo[]]>) => Object.fromEntries(pairs);

  it("the same interfaces, with the same addresses in the same order: the same (other objects)", () => {
    assert.equal(sameReading(reading(["eth0", [info("198.18.0.2")]]), reading(["eth0", [info("198.18.0.2")]])), true);
  });

  it("an address, a netmask, an interface or an address more or less: changed", () => {
    const before = reading(["eth0", [info("198.18.0.2")]]);
    assert.equal(sameReading(before, reading(["eth0", [info("198.18.0.3")]])), false, "another address");
    assert.equal(sameReading(before, reading(["eth0", [info("198.18.0.2", "255.255.0.0")]])), false, "another netmask");
    assert.equal(sameReading(before, reading(["eth1", [info("198.18.0.2")]])), false, "another name");
    assert.equal(sameReading(before, reading(["eth0", [info("198.18.0.2")]], ["eth1", [info("198.19.0.2")]])), false, "one more");
    assert.equal(sameReading(before, reading(["eth0", [info("198.18.0.2"), info("198.18.1.2")]])), false, "an address more");
    assert.equal(sameReading(before, reading()), false, "none left");
  });
});
