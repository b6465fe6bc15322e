// Interop with the independent reference peer, one of them as sloppy as real classmates' peers.
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { createLan, requireLan, requireRefpeer, type LanHost } from "./netns.js";
import { httpUp, send, waitForEverywhere, waitForMesh } from "./scenario.js";

test("two p2pchat and two reference peers (one --no-newline --chunked): every message reaches all four", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const lan = await createLan({ hosts: 4 });
  t.after(() => lan.destroy());
  const hosts = lan.hosts as [LanHost, LanHost, LanHost, LanHost];
  const [p1, p2, r1, r2] = hosts;

  const started = performance.now();
  lan.spawnP2pchat(p1, { peerId: "ours1" });
  lan.spawnRefpeer(r1, { peerId: "ref-plain" });
  lan.spawnRefpeer(r2, { peerId: "ref-sloppy", quirks: ["--no-newline", "--chunked"] });
  lan.spawnP2pchat(p2, { peerId: "ours2" });
  await Promise.all(hosts.map((h) => httpUp(lan, h)));
  const meshMs = await waitForMesh(lan, hosts, started, 20_000);
  t.diagnostic(`mesh of 2 p2pchat + 2 reference peers after ${meshMs.toFixed(0)} ms`);

  const senders: Array<[LanHost, string]> = [[p1, "ours1"], [p2, "ours2"], [r1, "ref-plain"], [r2, "ref-sloppy"]];
  for (const [host, peerId] of senders) await send(lan, host, `hello from ${peerId}: žluťoučký kůň 🐎`);
  for (const [, peerId] of senders) {
    await waitForEverywhere(lan, hosts, `hello from ${peerId}: žluťoučký kůň 🐎`, peerId);
  }
});
