// Only hosts with the room's key get in (docs/two-schools.md "What a wrong key looks like"): a
// bridge started with another key and dialling a bridge of the room reads nothing of it, the room
// reads nothing of it, it shows no connected bridge peer, and its GET /peers and log say why.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { dialAddress, withBridgeSites } from "./bridge-sites.js";
import { bridgeCounters, bridgeId, connectedIds, hasText, startRoom } from "./bridge-steps.js";
import { requireLan, requireRefpeer } from "./netns.js";
import { converged, send, waitForMesh } from "./scenario.js";
import { sleep } from "../support/wait.js";

/** How long the outsider keeps trying (several redials) while the room chats. */
const TRYING_MS = 6_000;
/** The words the refused bridge uses for it (src/bridge: "refused: not the same room key"). */
const WRONG_KEY = /room key/i;

test("a bridge with another key is kept out: it reads nothing, shows no connected peer, and its /peers and log say why", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  await withBridgeSites({ names: ["a", "b"], others: 1 }, async (sites) => {
    const { members: [a, b] } = await startRoom(sites, sites.sites);
    const c = await sites.addSite("c", 1);
    const refC = c.others[0]!;
    c.lan.spawnRefpeer(refC, { peerId: "ref-c" });
    const outsider = sites.startBridge(c, { peers: [dialAddress(a!.site)], keyFile: sites.newKeyFile("other-room") });
    const cId = await bridgeId(sites, c);
    await waitForMesh(c.lan, [c.host, refC], performance.now(), 10_000);

    const room = ["A's reference peer, to the room", "B's reference peer, to the room"];
    await send(a!.lan, a!.ref, room[0]!);
    await send(b!.lan, b!.ref, room[1]!);
    await send(c.lan, refC, "C's reference peer, to nobody outside C");
    await converged([a!, b!].flatMap((m) => [{ lan: m.lan, host: m.host }, { lan: m.lan, host: m.ref }]), room, 2_000);
    await sleep(TRYING_MS);

    // C read nothing of the room, and the room nothing of C.
    for (const text of room) {
      assert.equal(await hasText(c.lan, c.host, text), false, `"${text}" reached the outsider's bridge host`);
      assert.equal(await hasText(c.lan, refC, text), false, `"${text}" reached the outsider's reference peer`);
    }
    for (const m of [a!, b!]) assert.equal(await hasText(m.lan, m.ref, "C's reference peer, to nobody outside C"), false);
    assert.deepEqual(await connectedIds(sites, c), [], "C shows no connected bridge peer");
    assert.ok(!(await connectedIds(sites, a!.site)).includes(cId), "A does not show C connected");
    assert.equal((await bridgeCounters(c.lan, c.host)).bridgeReceived, 0);

    // Why, in C's GET /peers (the peer it dials) and in its log.
    const view = await sites.bridgeOf(c);
    const dialled = view?.peers.find((p) => p.address.startsWith(a!.site.listen));
    assert.match(dialled?.lastError ?? "", WRONG_KEY, `C's /peers: ${JSON.stringify(view)}`);
    assert.match(outsider.output(), WRONG_KEY, "C's log says why");
    t.diagnostic(`C's last error: ${dialled?.lastError}`);
  });
});
