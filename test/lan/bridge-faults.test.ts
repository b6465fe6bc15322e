// The bridge when things go wrong between the sites (docs/two-schools.md): a bridge host killed
// without warning and started again is back in the room within 15 s under the same libp2p id (its
// identity file), and a 20 s cut of the link between the sites loses nothing. The tests run
// concurrently.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { withBridgeSites } from "./bridge-sites.js";
import { bridgeId, hasText, roomCarries, startRoom, timedAcross, waitConnected } from "./bridge-steps.js";
import { requireLan, requireRefpeer } from "./netns.js";
import { converged, send, waitForMesh } from "./scenario.js";
import { sleep } from "../support/wait.js";

/** "back in the room within 15 s": from the restart until both bridges show each other connected. */
const BACK_MS = 15_000;
const ACROSS_MS = 2_000;
const CUT_MS = 20_000;
/** After the link is back, every message is everywhere within this long. */
const CONVERGE_MS = 20_000;

describe("the bridge through a crash and a cut", { concurrency: true }, () => {
  it("a bridge host killed with SIGKILL and restarted is back in the room within 15 s with the same id; messages cross again", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withBridgeSites({ names: ["a", "b"], others: 1 }, async (sites) => {
      // B dials A at /p2p/<A's id>: only the same identity after the restart lets it back in.
      const { members: [a, b] } = await startRoom(sites, sites.sites);
      await send(a!.lan, a!.ref, "before the crash");
      await converged([{ lan: b!.lan, host: b!.ref }], ["before the crash"], ACROSS_MS);

      const victim = a!.site.process!;
      victim.kill("SIGKILL");
      await victim.exited;
      await send(b!.lan, b!.ref, "while bridge host A was dead");

      const restarted = performance.now();
      sites.startBridge(a!.site, { name: "a-bridge-restarted" });
      const id = await bridgeId(sites, a!.site);
      assert.equal(id, a!.id, "the same libp2p id after the restart (identity file)");
      await Promise.all([waitConnected(sites, b!.site, [a!.id], BACK_MS), waitConnected(sites, a!.site, [b!.id], BACK_MS)]);
      const connectedMs = performance.now() - restarted;
      // Back in the room = it carries messages again, both ways (a probe from each bridge host).
      await roomCarries(a!, b!, BACK_MS - connectedMs);
      const backMs = performance.now() - restarted;
      t.diagnostic(`bridge host A connected again ${connectedMs.toFixed(0)} ms after its restart (B redials it), carrying messages both ways at ${backMs.toFixed(0)} ms`);
      assert.ok(backMs < BACK_MS, `${backMs.toFixed(0)} ms`);

      // What it missed comes back by catch-up, and messages cross both ways again.
      await converged([{ lan: a!.lan, host: a!.host }], ["before the crash", "while bridge host A was dead"], 5_000);
      await waitForMesh(a!.lan, [a!.host, a!.ref], restarted, 10_000);
      const aToB = await timedAcross({ lan: a!.lan, host: a!.ref }, { lan: b!.lan, host: b!.ref }, "A after the restart", ACROSS_MS);
      const bToA = await timedAcross({ lan: b!.lan, host: b!.ref }, { lan: a!.lan, host: a!.ref }, "B after the restart", ACROSS_MS);
      t.diagnostic(`after the restart: A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);
    });
  });

  it("a 20 s cut between the sites, messages on both sides during it: afterwards every message is everywhere, once", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withBridgeSites({ names: ["a", "b"], others: 1 }, async (sites) => {
      const { members: [a, b] } = await startRoom(sites, sites.sites);
      await send(a!.lan, a!.ref, "A before the cut");
      await send(b!.lan, b!.ref, "B before the cut");
      const everyone = [a!, b!].flatMap((m) => [{ lan: m.lan, host: m.host }, { lan: m.lan, host: m.ref }]);
      await converged(everyone, ["A before the cut", "B before the cut"], ACROSS_MS);

      // Bridge host A's link to the shared segment goes down: nothing crosses, no RST, no FIN.
      await a!.lan.setLink(a!.host, false, "eth1");
      const during = ["A's reference peer during the cut", "B's reference peer during the cut", "bridge host A during the cut", "bridge host B during the cut"];
      await send(a!.lan, a!.ref, during[0]!);
      await send(b!.lan, b!.ref, during[1]!);
      await send(a!.lan, a!.host, during[2]!);
      await send(b!.lan, b!.host, during[3]!);
      await sleep(CUT_MS);
      // Each side kept chatting within itself, and nothing crossed.
      await converged([{ lan: a!.lan, host: a!.ref }], [during[0]!, during[2]!], 1_000);
      await converged([{ lan: b!.lan, host: b!.ref }], [during[1]!, during[3]!], 1_000);
      assert.equal(await hasText(b!.lan, b!.host, during[0]!), false, "A's message crossed a cut link");
      assert.equal(await hasText(a!.lan, a!.host, during[1]!), false, "B's message crossed a cut link");
      await a!.lan.setLink(a!.host, true, "eth1");
      const back = performance.now();

      await converged(everyone, ["A before the cut", "B before the cut", ...during], CONVERGE_MS);
      t.diagnostic(`every message on both bridge hosts and both reference peers ${(performance.now() - back).toFixed(0)} ms after the link came back`);
    });
  });
});
