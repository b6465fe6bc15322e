// One room across networks (docs/getting-started.md "Across networks"): two LANs of namespaces joined by a router
// (broadcast does not cross) with a static link between one p2pchat on each, or joined by one
// p2pchat with an interface on each and no broadcast address configured. Reference peers on both
// sides chat through them; late joiners get the other side's history; a cut link converges; a
// restart finds its remembered peers without any broadcast answered. The tests run concurrently.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { requireLan, requireRefpeer, withLan, withSites, type Lan, type LanHost } from "./netns.js";
import { converged, historyOf, httpUp, send } from "./scenario.js";
import { sleep, waitFor } from "../support/wait.js";

/** "a reference peer's message on LAN A reaches a reference peer on LAN B within 1 s" */
const ACROSS_MS = 1_000;

interface PeerRow { peer_id: string; outbound: string; reach: { kind: string; name: string } }
interface HistoryRow { id: string; peer_id: string; message: string; via?: string }

async function peersOf(lan: Lan, host: LanHost): Promise<PeerRow[]> {
  return ((await lan.http(host, "/peers")).body as { peers: PeerRow[] }).peers;
}

async function listOf(lan: Lan, host: LanHost): Promise<HistoryRow[]> {
  return ((await lan.http(host, "/history")).body as { messages: HistoryRow[] }).messages;
}

/** Waits until `host` has an outbound connection to `peerId`, reached the way `kind` says. */
async function connected(lan: Lan, host: LanHost, peerId: string, kind: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await peersOf(lan, host)).some((p) => p.peer_id === peerId && p.outbound === "connected" && p.reach.kind === kind),
    { timeoutMs, intervalMs: 100, what: `${host.name} connected to ${peerId} (${kind})` });
}

/** Sends `text` from `from` and waits until it is in `to`'s history; returns how long it took. */
async function across(lan: Lan, from: LanHost, to: { lan: Lan; host: LanHost }, text: string): Promise<number> {
  const started = performance.now();
  await send(lan, from, text);
  await waitFor(async () => Object.values(await historyOf(to.lan, to.host)).some((m) => m.message === text),
    { timeoutMs: 5_000, intervalMs: 20, what: `"${text}" on ${to.host.name}` });
  return performance.now() - started;
}


describe("one room across networks", { concurrency: true }, () => {
  it("a static link across a router: reference peers chat both ways, late joiners catch up, a 20 s cut converges", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withSites({ hosts: 3, joint: "router" }, async ({ a, b }) => {
      const [siteA, refA, lateA] = a.hosts as [LanHost, LanHost, LanHost];
      const [siteB, refB, lateB] = b.hosts as [LanHost, LanHost, LanHost];
      // Only site A names site B: site B finds site A through its unicast hello.
      const sites = [
        a.spawnP2pchat(siteA, { peerId: "site-a", args: ["--peer", siteB.address] }),
        b.spawnP2pchat(siteB, { peerId: "site-b" }),
      ];
      a.spawnRefpeer(refA, { peerId: "ref-a" });
      b.spawnRefpeer(refB, { peerId: "ref-b" });
      await Promise.all([httpUp(a, siteA), httpUp(a, refA), httpUp(b, siteB), httpUp(b, refB)]);
      await Promise.all([
        connected(a, siteA, "site-b", "static"), connected(a, siteA, "ref-a", "interface"),
        connected(b, siteB, "site-a", "routed"), connected(b, siteB, "ref-b", "interface"),
      ]);

      const aToB = await across(a, refA, { lan: b, host: refB }, "hello from LAN A");
      const bToA = await across(b, refB, { lan: a, host: refA }, "hello from LAN B");
      t.diagnostic(`reference peer to reference peer across the router: A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);
      assert.ok(aToB < ACROSS_MS && bToA < ACROSS_MS, `A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);
      // p2pchat keeps the author a relay names (peers/relay.ts), and shows the host it came through.
      const relayed = (await listOf(b, siteB)).find((m) => m.message === "hello from LAN A");
      assert.deepEqual([relayed?.peer_id, relayed?.via], ["ref-a", siteA.address]);

      // Late joiners get the other side's history through their site's hello reply.
      a.spawnRefpeer(lateA, { peerId: "late-a" });
      b.spawnRefpeer(lateB, { peerId: "late-b" });
      await converged([{ lan: a, host: lateA }, { lan: b, host: lateB }], ["hello from LAN A", "hello from LAN B"], 15_000);

      // The link between the sites is cut for 20 s; each side chats on.
      await a.setLink(a.hosts.find((h) => h.name === "router")!, false, "eth1");
      await send(a, refA, "LAN A during the cut");
      await send(b, refB, "LAN B during the cut");
      await sleep(20_000);
      await a.setLink(a.hosts.find((h) => h.name === "router")!, true, "eth1");
      const back = performance.now();
      const all = ["hello from LAN A", "hello from LAN B", "LAN A during the cut", "LAN B during the cut"];
      const everyone = [siteA, refA, lateA].map((host) => ({ lan: a, host })).concat([siteB, refB, lateB].map((host) => ({ lan: b, host })));
      await converged(everyone, all, 20_000).catch((err: Error) => {
        // What each site did around the cut is what tells why the room did not join up again.
        const tail = (log: string) => log.split("\n").slice(-30).join("\n");
        throw new Error(`${err.message}\n${sites.map((site) => tail(site.output())).join("\n\n")}`);
      });
      t.diagnostic(`both sides converged ${(performance.now() - back).toFixed(0)} ms after the link came back`);
    });
  });

  it("a dual-homed p2pchat with no broadcast address joins the LANs on its two interfaces", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withSites({ hosts: 2, joint: "dual-homed" }, async ({ a, b, joint }) => {
      const [refA, lateA] = a.hosts.filter((h) => h !== joint) as [LanHost, LanHost];
      const [refB, lateB] = b.hosts as [LanHost, LanHost];
      // No --broadcast: every interface of its namespace, which has exactly eth0 (LAN A) and eth1 (LAN B).
      const bridge = a.spawnP2pchat(joint, { peerId: "bridge", broadcast: false });
      a.spawnRefpeer(refA, { peerId: "ref-a" });
      b.spawnRefpeer(refB, { peerId: "ref-b" });
      await Promise.all([httpUp(a, joint), httpUp(a, refA), httpUp(b, refB)]);
      await Promise.all([connected(a, joint, "ref-a", "interface"), connected(a, joint, "ref-b", "interface")]);
      const reach = Object.fromEntries((await peersOf(a, joint)).map((p) => [p.peer_id, p.reach.name]));
      assert.deepEqual(reach, { "ref-a": "eth0", "ref-b": "eth1" });
      assert.match(bridge.output(), new RegExp(`hellos broadcast to ${a.broadcast.replace(/\./g, "\\.")}, ${b.broadcast.replace(/\./g, "\\.")}`));

      const aToB = await across(a, refA, { lan: b, host: refB }, "from A through the bridge");
      const bToA = await across(b, refB, { lan: a, host: refA }, "from B through the bridge");
      t.diagnostic(`through the dual-homed host: A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);
      assert.ok(aToB < ACROSS_MS && bToA < ACROSS_MS, `A→B ${aToB.toFixed(0)} ms, B→A ${bToA.toFixed(0)} ms`);

      a.spawnRefpeer(lateA, { peerId: "late-a" });
      b.spawnRefpeer(lateB, { peerId: "late-b" });
      await converged([{ lan: a, host: lateA }, { lan: b, host: lateB }], ["from A through the bridge", "from B through the bridge"], 15_000);
    });
  });

  it("a restart dials its remembered peers by unicast, with no broadcast answered", async (t) => {
    if (!requireLan(t) || !requireRefpeer(t)) return;
    await withSites({ hosts: 1, joint: "router" }, async ({ a, b }) => {
      const [site] = a.hosts.filter((h) => h.name !== "router") as [LanHost];
      const [far] = b.hosts as [LanHost];
      const historyFile = path.join(a.artifactsDir, "remember-history.json");
      const first = a.spawnP2pchat(site, { peerId: "rememberer", name: "rememberer-1", args: ["--peer", far.address, "--history-file", historyFile] });
      b.spawnRefpeer(far, { peerId: "far-ref" });
      await Promise.all([httpUp(a, site), httpUp(b, far)]);
      await connected(a, site, "far-ref", "static");
      first.kill("SIGTERM");
      await first.exited;
      assert.ok(existsSync(path.join(a.artifactsDir, "remember-history.peers.json")), "the remembered peers file");

      // No --peer now, and nobody on LAN A to answer a broadcast: only the state file can find it.
      const started = performance.now();
      const second = a.spawnP2pchat(site, { peerId: "rememberer", name: "rememberer-2", args: ["--history-file", historyFile] });
      await httpUp(a, site);
      await connected(a, site, "far-ref", "remembered", 10_000);
      t.diagnostic(`reconnected to the remembered peer ${(performance.now() - started).toFixed(0)} ms after the restart`);
      assert.match(second.output(), /dialling remembered peer far-ref at /);
    });
  });

  it("peers of one LAN that remember each other are greeted by the broadcast alone", async (t) => {
    if (!requireLan(t)) return;
    await withLan({ hosts: 2 }, async (lan) => {
      const [hostA, hostB] = lan.hosts as [LanHost, LanHost];
      // A hello every second, and each remembering the other from before a restart, as the
      // service's history file makes every peer of a room.
      mkdirSync(lan.artifactsDir, { recursive: true });
      const config = path.join(lan.artifactsDir, "fast-hellos.ini");
      writeFileSync(config, "[DISCOVERY]\ninterval = 1\n");
      const historyOf = (name: string, other: { id: string; host: LanHost }) => {
        const file = path.join(lan.artifactsDir, `${name}-history.json`);
        writeFileSync(file.replace(/\.json$/, ".peers.json"),
          JSON.stringify({ peers: [{ peerId: other.id, host: other.host.address, lastSeen: Date.now() }] }));
        return file;
      };
      lan.spawnP2pchat(hostA, { peerId: "lan-a", args: ["--config", config, "--history-file", historyOf("a", { id: "lan-b", host: hostB })] });
      const b = lan.spawnP2pchat(hostB, { peerId: "lan-b", args: ["--config", config, "--history-file", historyOf("b", { id: "lan-a", host: hostA })] });
      await Promise.all([httpUp(lan, hostA), httpUp(lan, hostB)]);
      await connected(lan, hostA, "lan-b", "interface");
      await connected(lan, hostB, "lan-a", "interface");
      // The datagrams B's namespace receives (its UDP counters): each second A's broadcast hello,
      // A's answer to B's broadcast and B's own broadcast looped back; before, A's unicast hello to
      // its remembered peer and the answer to B's own unicast hello came on top, five a second.
      const received = () => {
        const lines = readFileSync(`/proc/${b.pid}/net/snmp`, "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
        const [names, values] = lines.map((l) => l.split(/\s+/)) as [string[], string[]];
        return Number(values[names.indexOf("InDatagrams")]);
      };
      const before = received();
      await sleep(6_000);
      const perSecond = (received() - before) / 6;
      t.diagnostic(`datagrams B received a second: ${perSecond.toFixed(2)}`);
      assert.ok(perSecond >= 2 && perSecond <= 4, `${perSecond.toFixed(2)} datagrams a second: 3 expected (5 with unicast hellos to a peer that hears the broadcast)`);
    });
  });
});
