// Multi-host scenarios of docs/protocol.md §1–§2 with real processes, started as a user starts them,
// discovering each other by real broadcast in network namespaces.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { createLan, requireLan, type LanHost } from "./netns.js";
import { historyOf, httpUp, send, waitForEverywhere, waitForMesh } from "./scenario.js";

test("three p2pchat peers form the full mesh and a message reaches the other two", async (t) => {
  if (!requireLan(t)) return;
  const lan = await createLan({ hosts: 3 });
  t.after(() => lan.destroy());
  const hosts = lan.hosts as [LanHost, LanHost, LanHost];

  const started = performance.now();
  hosts.forEach((host, i) => lan.spawnP2pchat(host, { peerId: `peer${i + 1}` }));
  const meshMs = await waitForMesh(lan, hosts, started);
  t.diagnostic(`full mesh of 3 (two connections per pair) ${meshMs.toFixed(0)} ms after starting the processes`);

  await send(lan, hosts[0], "Ahoj všichni! 👋");
  const sent = performance.now();
  await waitForEverywhere(lan, hosts, "Ahoj všichni! 👋", "peer1");
  t.diagnostic(`message on all three ${(performance.now() - sent).toFixed(0)} ms after /send`);
});

test("a peer started later gets the whole history from its hello", async (t) => {
  if (!requireLan(t)) return;
  const lan = await createLan({ hosts: 3 });
  t.after(() => lan.destroy());
  const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];

  lan.spawnP2pchat(h1, { peerId: "early1" });
  lan.spawnP2pchat(h2, { peerId: "early2" });
  await waitForMesh(lan, [h1, h2], performance.now());
  for (let i = 0; i < 5; i++) await send(lan, i % 2 ? h2 : h1, `before ${i}`);
  await waitForEverywhere(lan, [h1, h2], "before 4", "early1");
  const expected = await historyOf(lan, h1);
  assert.equal(Object.keys(expected).length, 5);

  lan.spawnP2pchat(h3, { peerId: "late" });
  await httpUp(lan, h3);
  await waitForMesh(lan, [h1, h2, h3], performance.now());
  assert.deepEqual(await historyOf(lan, h3), expected);
});
