import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { relayTargets, type RelayCandidate } from "../../src/peers/relay.js";

/** Segments by address prefix, as reach.ts would make them for two LANs and a static peer. */
const segmentOf = (address: string) =>
  address.startsWith("198.18.1.") ? "interface:eth0" : address.startsWith("198.18.2.") ? "interface:eth1" : `static:${address}`;
const peer = (id: string, host: string, gone = false): RelayCandidate => ({ id, host, gone });

describe("the relay rule", () => {
  const mesh = Array.from({ length: 19 }, (_, i) => peer(`p${i}`, `198.18.1.${i + 2}`));

  it("relays nothing on a single LAN: one segment, so a mesh of 20 still costs N-1 frames a message", () => {
    assert.deepEqual(relayTargets({ peer_id: "p3", via: "198.18.1.5" }, mesh, segmentOf), []);
    assert.deepEqual(relayTargets({ peer_id: "p0", via: "198.18.1.9" }, mesh, segmentOf), [], "from a hello reply of another peer");
  });

  it("relays a message new to us to every other segment, never back to its deliverer or its author", () => {
    const peers = [peer("a1", "198.18.1.2"), peer("a2", "198.18.1.3"), peer("b1", "198.18.2.2"), peer("far", "198.18.9.1"), peer("gone", "198.18.2.9", true)];
    assert.deepEqual(relayTargets({ peer_id: "a1", via: "198.18.1.2" }, peers, segmentOf), ["b1", "far"]);
    assert.deepEqual(relayTargets({ peer_id: "x", via: "198.18.9.1" }, peers, segmentOf), ["a1", "a2", "b1"]);
    // Its author is in another segment than the host that delivered it: not sent back to the author.
    assert.deepEqual(relayTargets({ peer_id: "b1", via: "198.18.9.1" }, peers, segmentOf), ["a1", "a2"]);
  });

  it("asks for no segment when nobody but the deliverer, the author and gone peers is left (every message of a pair)", () => {
    const asked: string[] = [];
    const counting = (address: string) => (asked.push(address), segmentOf(address));
    const pair = [peer("a1", "198.18.1.2"), peer("gone", "198.18.2.9", true)];
    assert.deepEqual(relayTargets({ peer_id: "a1", via: "198.18.1.2" }, pair, counting), []);
    assert.deepEqual(asked, []);
    assert.deepEqual(relayTargets({ peer_id: "x", via: "198.18.9.1" }, pair, counting), ["a1"]);
    assert.deepEqual(asked, ["198.18.9.1", "198.18.1.2"], "the deliverer's segment, then the one peer left's");
  });

  it("does not relay our own messages, nor what the history file held (no deliverer)", () => {
    assert.deepEqual(relayTargets({ peer_id: "me", via: undefined }, [peer("b1", "198.18.2.2")], segmentOf), []);
  });
});
