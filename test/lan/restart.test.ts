// A peer killed without warning and started again (docs/protocol.md "Expect peers that are not
// permanent"): it gets its history back and misses nothing that was sent around it.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { createLan, requireLan, type LanHost } from "./netns.js";
import { historyOf, httpUp, send, waitForEverywhere, waitForMesh } from "./scenario.js";

test("kill -9 a peer and start it again: history comes back, messages during and after reach everyone", async (t) => {
  if (!requireLan(t)) return;
  const lan = await createLan({ hosts: 3 });
  t.after(() => lan.destroy());
  const hosts = lan.hosts as [LanHost, LanHost, LanHost];
  const [h1, h2, h3] = hosts;

  lan.spawnP2pchat(h1, { peerId: "stay1" });
  lan.spawnP2pchat(h2, { peerId: "stay2" });
  const victim = lan.spawnP2pchat(h3, { peerId: "phoenix", name: "phoenix-1" });
  await waitForMesh(lan, hosts, performance.now());
  await send(lan, h3, "from phoenix before the crash");
  await send(lan, h1, "from stay1 before the crash");
  await waitForEverywhere(lan, hosts, "from stay1 before the crash", "stay1");
  await waitForEverywhere(lan, hosts, "from phoenix before the crash", "phoenix");

  victim.kill("SIGKILL");
  await victim.exited;
  await send(lan, h2, "sent while phoenix was dead");
  await waitForEverywhere(lan, [h1, h2], "sent while phoenix was dead", "stay2");

  const restarted = performance.now();
  lan.spawnP2pchat(h3, { peerId: "phoenix", name: "phoenix-2" });
  await httpUp(lan, h3);
  await waitForMesh(lan, hosts, restarted);
  t.diagnostic(`mesh whole again ${(performance.now() - restarted).toFixed(0)} ms after the restart`);

  const history = Object.values(await historyOf(lan, h3)).map((m) => `${m.peer_id}: ${m.message}`);
  assert.deepEqual(history.sort(), [
    "phoenix: from phoenix before the crash",
    "stay1: from stay1 before the crash",
    "stay2: sent while phoenix was dead",
  ]);

  await send(lan, h3, "phoenix is back");
  await send(lan, h1, "welcome back");
  await waitForEverywhere(lan, hosts, "phoenix is back", "phoenix");
  await waitForEverywhere(lan, hosts, "welcome back", "stay1");
});
