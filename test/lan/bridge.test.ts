// Two schools, one room (docs/two-schools.md): sites whose LANs have no route to each other,
// joined only by their bridge hosts' p2pchats over libp2p on a shared segment
// (test/lan/bridge-sites.ts). Reference peers on each site chat across; a site that joins late
// gets the room's history (catch-up) and so does its LAN. The tests run concurrently.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { dialAddress, withBridgeSites } from "./bridge-sites.js";
import { bridgeCounters, bridgeId, historyRows, startRoom, timedAcross, waitConnected } from "./bridge-steps.js";
import { requireLan, requireRefpeer } from "./netns.js";
import { converged, httpUp, send, waitForMesh } from "./scenario.js";

/** "a reference peer's message on site A reaches a reference peer on site B within 2 s" (and B→A). */
const ACROSS_MS = 2_000;
/** A late site's bridge host and its reference peer hold the room's earlier messages within this
 *  long of the bridge host's start (libp2p's import and start, connect, catch-up, relay to the LAN). */
const CATCH_UP_MS = 10_000;

describe("the bridge: one room across sites with no route between them", { concurrency: true }, () => {
  it("a reference peer's message crosses from site A to site B within 2 s, and back", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withBridgeSites({ names: ["a", "b"], others: 1 }, async (sites) => {
      const { members: [a, b], carriesMs } = await startRoom(sites, sites.sites);
      t.diagnostic(`the room carried a probe both ways ${carriesMs.toFixed(0)} ms after both bridges showed each other connected`);
      // Timed from the sender's /send until the receiver's GET /messages lists it (polled every 10 ms).
      const aToB = await timedAcross({ lan: a!.lan, host: a!.ref }, { lan: b!.lan, host: b!.ref }, "from site A's reference peer", ACROSS_MS);
      const bToA = await timedAcross({ lan: b!.lan, host: b!.ref }, { lan: a!.lan, host: a!.ref }, "from site B's reference peer", ACROSS_MS);
      t.diagnostic(`reference peer to reference peer over the bridge: A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);
      assert.ok(aToB < ACROSS_MS && bToA < ACROSS_MS, `A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);

      // It came over the bridge, published by the other site's bridge, under its author's name.
      const onB = (await historyRows(b!.lan, b!.host)).find((m) => m.message === "from site A's reference peer");
      assert.deepEqual([onB?.peer_id, onB?.via], ["ref-a", `bridge:${a!.id}`]);
      const onA = (await historyRows(a!.lan, a!.host)).find((m) => m.message === "from site B's reference peer");
      assert.deepEqual([onA?.peer_id, onA?.via], ["ref-b", `bridge:${b!.id}`]);
      const [countersA, countersB] = await Promise.all([bridgeCounters(a!.lan, a!.host), bridgeCounters(b!.lan, b!.host)]);
      assert.ok(countersA.bridgePublished >= 1 && countersA.bridgeReceived >= 1, JSON.stringify(countersA));
      assert.ok(countersB.bridgePublished >= 1 && countersB.bridgeReceived >= 1, JSON.stringify(countersB));
      assert.equal(countersA.bridgeRejected + countersB.bridgeRejected, 0);
    });
  });

  it("a site that joins late gets the room's history within 10 s, and so does its LAN's reference peer", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withBridgeSites({ names: ["a", "b"], others: 1 }, async (sites) => {
      const { members: [a, b] } = await startRoom(sites, sites.sites);
      const before = ["A's reference peer, before C existed", "B's reference peer, before C existed", "bridge host A itself, before C existed"];
      await send(a!.lan, a!.ref, before[0]!);
      await send(b!.lan, b!.ref, before[1]!);
      await send(a!.lan, a!.host, before[2]!);
      await converged([a!, b!].flatMap((m) => [{ lan: m.lan, host: m.host }, { lan: m.lan, host: m.ref }]), before, 5_000);

      // Site C: a new LAN, its reference peer and its bridge host started together; the bridge
      // dials site A only. Nothing was sent since, so only catch-up can bring the history.
      const c = await sites.addSite("c", 1);
      const refC = c.others[0]!;
      const started = performance.now();
      c.lan.spawnRefpeer(refC, { peerId: "ref-c" });
      sites.startBridge(c, { peers: [dialAddress(a!.site, a!.id)] });
      const cId = await bridgeId(sites, c);
      await converged([{ lan: c.lan, host: c.host }], before, CATCH_UP_MS);
      const bridgeHostMs = performance.now() - started;
      await converged([{ lan: c.lan, host: refC }], before, CATCH_UP_MS - (performance.now() - started));
      const refMs = performance.now() - started;
      t.diagnostic(`late site C: its bridge host held the room's history ${bridgeHostMs.toFixed(0)} ms after it was started, its reference peer ${refMs.toFixed(0)} ms`);

      const caughtUp = (await historyRows(c.lan, c.host)).filter((m) => before.includes(m.message));
      for (const m of caughtUp) assert.match(m.via ?? "", new RegExp(`^bridge:(${a!.id}|${b!.id})$`), `${m.message} came over the bridge`);
      assert.ok((await bridgeCounters(c.lan, c.host)).bridgeCaughtUp >= before.length);

      // And C is in the room: its reference peer's message reaches A's and B's.
      await waitForMesh(c.lan, [c.host, refC], started, 10_000);
      await waitConnected(sites, a!.site, [cId], 5_000);
      await httpUp(c.lan, refC);
      await send(c.lan, refC, "C's reference peer, now in the room");
      await converged([{ lan: a!.lan, host: a!.ref }, { lan: b!.lan, host: b!.ref }], ["C's reference peer, now in the room"], ACROSS_MS);
    });
  });
});
