import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { describe, it } from "node:test";
import { hostInterfaces, hostInterfacesReadAt } from "../../src/discovery/host-interfaces.js";
import { setImmediate as afterTurn } from "node:timers/promises";
import { isLocalAddress, isLocalAddressWithoutWaiting, reachesOwnServer } from "../../src/discovery/local-address.js";

describe("local addresses", () => {
  it("knows loopback and this host's interface addresses, and nothing else", () => {
    assert.equal(isLocalAddress("127.0.0.1"), true);
    assert.equal(isLocalAddress("127.44.3.2"), true);
    const own = Object.values(networkInterfaces()).flat().find((i) => i?.family === "IPv4" && !i.internal);
    if (own) assert.equal(isLocalAddress(own.address), true);
    assert.equal(isLocalAddress("198.19.254.77"), false);
  });

  it("takes an address as ours from a reading up to a minute old, and reads again before saying one is not", () => {
    const now = Date.now();
    const reading = hostInterfaces(0, now);
    const own = Object.values(reading).flat().find((i) => i?.family === "IPv4" && !i.internal);
    if (own) {
      assert.equal(isLocalAddress(own.address, now + 59_000), true);
      assert.equal(hostInterfacesReadAt(), now, "no new reading for an address of ours");
    }
    assert.equal(isLocalAddress("198.19.254.77", now + 11_000), false);
    assert.equal(hostInterfacesReadAt(), now + 11_000, "read again before answering no");
  });

  it("without waiting: answers from the reading there is, and reads again after the turn before the next answer", async () => {
    const now = Date.now() + 120_000; // after the times the tests before read at
    const reading = hostInterfaces(0, now);
    const own = Object.values(reading).flat().find((i) => i?.family === "IPv4" && !i.internal);
    if (own) assert.equal(isLocalAddressWithoutWaiting(own.address, now + 59_000), true);
    assert.equal(isLocalAddressWithoutWaiting("127.9.9.9", now + 11_000), true);
    assert.equal(isLocalAddressWithoutWaiting("198.19.254.77", now + 11_000), false);
    assert.equal(hostInterfacesReadAt(), now, "no reading on the answer's turn");
    await afterTurn();
    assert.notEqual(hostInterfacesReadAt(), now, "read again after it");
  });

  it("a server on 0.0.0.0 is reached at any local address, one on an address only there", () => {
    assert.equal(reachesOwnServer("127.0.0.1", "0.0.0.0"), true);
    assert.equal(reachesOwnServer("198.19.254.77", "0.0.0.0"), false);
    assert.equal(reachesOwnServer("127.0.0.5", "127.0.0.5"), true);
    assert.equal(reachesOwnServer("127.0.0.6", "127.0.0.5"), false);
  });
});
