// Faults on a real LAN of namespaces: a cut link, peers that never ack or ack late, a host that
// answers UDP but refuses TCP, an impostor using our peer_id. Each test has its own LAN, and the
// tests run concurrently: most of their time is waiting on timers.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { createLan, requireLan, requireRefpeer, type Lan, type LanHost } from "./netns.js";
import { historyOf, httpUp, send, waitForEverywhere, waitForMesh } from "./scenario.js";
import { sleep, waitFor } from "../support/wait.js";

const DISCOVERY_INTERVAL_MS = 5_000;

/** Runs `body` on a fresh LAN, removed afterwards whatever happens. */
async function onLan(t: Parameters<typeof requireLan>[0], hosts: number, body: (lan: Lan) => Promise<void>): Promise<void> {
  if (!requireLan(t)) return;
  const lan = await createLan({ hosts });
  try {
    await body(lan);
  } finally {
    await lan.destroy();
  }
}

/** GET /send from inside the host's namespace: with its link down the bridge cannot reach it. */
async function sendFromInside(lan: Lan, host: LanHost, text: string): Promise<void> {
  const url = `http://${host.address}:8000/send?message=${encodeURIComponent(text)}`;
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => { const body = await r.text(); ` +
    `if (r.status !== 200) { console.error(r.status, body); process.exit(1); } })`;
  const child = lan.spawn(host, process.execPath, ["-e", script], { name: `send-inside-${Date.now()}` });
  const { code } = await child.exited;
  assert.equal(code, 0, `send inside ${host.name}: ${child.output()}`);
}

/** A UDP peer that answers every hello but runs no TCP server: "answers UDP, refuses TCP". */
const UDP_ONLY_PEER = `
import json, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 9876))
s.sendto(json.dumps({"command": "hello", "peer_id": sys.argv[1]}).encode(), (sys.argv[2], 9876))
while True:
    data, addr = s.recvfrom(65536)
    try:
        msg = json.loads(data)
    except ValueError:
        continue
    if isinstance(msg, dict) and msg.get("command") == "hello" and msg.get("peer_id") != sys.argv[1]:
        s.sendto(json.dumps({"status": "ok", "peer_id": sys.argv[1]}).encode(), addr)
`;

describe("faults on the LAN", { concurrency: true }, () => {
  it("a peer cut off for 20 s: afterwards every peer has every message within two discovery intervals", async (t) => {
    await onLan(t, 3, async (lan) => {
      const hosts = lan.hosts as [LanHost, LanHost, LanHost];
      const [h1, h2, h3] = hosts;
      hosts.forEach((h, i) => lan.spawnP2pchat(h, { peerId: `cut${i + 1}` }));
      await waitForMesh(lan, hosts, performance.now());

      await lan.setLink(h3, false);
      await send(lan, h1, "sent by cut1 during the cut");
      await sleep(2_000);
      await sendFromInside(lan, h3, "sent by cut3 while cut off");
      await sleep(6_000);
      await send(lan, h2, "sent by cut2 during the cut");
      await sleep(12_000);
      // The two that can still talk have each other's messages all along.
      await waitForEverywhere(lan, [h1, h2], "sent by cut2 during the cut", "cut2", 3_000);

      await lan.setLink(h3, true);
      const back = performance.now();
      const texts: Array<[string, string]> = [
        ["sent by cut1 during the cut", "cut1"], ["sent by cut3 while cut off", "cut3"], ["sent by cut2 during the cut", "cut2"],
      ];
      for (const [text, from] of texts) {
        await waitForEverywhere(lan, hosts, text, from, 2 * DISCOVERY_INTERVAL_MS - (performance.now() - back));
      }
      t.diagnostic(`all messages everywhere ${(performance.now() - back).toFixed(0)} ms after the link came back`);
    });
  });

  it("a reference peer that never acks does not slow delivery to the others", async (t) => {
    if (!requireRefpeer(t)) return;
    await onLan(t, 4, async (lan) => {
      const hosts = lan.hosts as [LanHost, LanHost, LanHost, LanHost];
      const [sender, other, mute, plain] = hosts;
      lan.spawnP2pchat(sender, { peerId: "sender" });
      lan.spawnP2pchat(other, { peerId: "other" });
      lan.spawnRefpeer(mute, { peerId: "ref-no-ack", quirks: ["--no-ack"] });
      lan.spawnRefpeer(plain, { peerId: "ref-plain" });
      await Promise.all(hosts.map((h) => httpUp(lan, h)));
      await waitForMesh(lan, hosts, performance.now(), 20_000);

      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await send(lan, sender, `burst ${i}`);
        await waitForEverywhere(lan, [other, plain], `burst ${i}`, "sender", 2_000);
        latencies.push(performance.now() - started);
      }
      t.diagnostic(`delivery to the acking peers: ${latencies.map((l) => l.toFixed(0)).join(", ")} ms`);
      assert.ok(Math.max(...latencies) < 1_000, `slowest delivery ${Math.max(...latencies).toFixed(0)} ms`);
      // The mute peer still stores what it is sent.
      await waitFor(async () => Object.values(await historyOf(lan, mute)).some((m) => m.message === "burst 0"), {
        timeoutMs: 3_000, what: "the first burst message on the no-ack peer",
      });
    });
  });

  it("a reference peer that acks after 10 s times out, is reconnected, and gets its messages", async (t) => {
    if (!requireRefpeer(t)) return;
    await onLan(t, 2, async (lan) => {
      const [ours, slow] = lan.hosts as [LanHost, LanHost];
      const daemon = lan.spawnP2pchat(ours, { peerId: "patient" });
      lan.spawnRefpeer(slow, { peerId: "ref-slow", quirks: ["--ack-delay=10"] });
      await Promise.all([httpUp(lan, ours), httpUp(lan, slow)]);
      await waitForMesh(lan, [ours, slow], performance.now(), 20_000);

      await send(lan, ours, "first, acked late");
      await send(lan, ours, "second, queued behind it");
      await waitFor(() => /connection to ref-slow .* lost: no ack within 5000 ms \(E_ACK_TIMEOUT\)/.test(daemon.output()),
        { timeoutMs: 8_000, what: "the ack timeout in the log" });
      await waitFor(() => (daemon.output().match(/connected to ref-slow/g) ?? []).length >= 2,
        { timeoutMs: 5_000, what: "a reconnect in the log" });
      const started = performance.now();
      await waitFor(async () => {
        const texts = Object.values(await historyOf(lan, slow)).map((m) => m.message);
        return texts.includes("first, acked late") && texts.includes("second, queued behind it");
      }, { timeoutMs: 30_000, intervalMs: 200, what: "both messages on the slow peer" });
      t.diagnostic(`second message on the slow peer ${(performance.now() - started).toFixed(0)} ms after the reconnect was seen`);
    });
  });

  it("a host that answers UDP but refuses TCP is reported once and does not disturb the others", async (t) => {
    await onLan(t, 3, async (lan) => {
      const [a, b, broken] = lan.hosts as [LanHost, LanHost, LanHost];
      const daemonA = lan.spawnP2pchat(a, { peerId: "good-a" });
      lan.spawnP2pchat(b, { peerId: "good-b" });
      await waitForMesh(lan, [a, b], performance.now());
      lan.spawn(broken, "python3", ["-c", UDP_ONLY_PEER, "udp-only", lan.broadcast], { name: "udp-only" });
      await waitFor(() => /cannot connect to udp-only at [\d.]+: .*ECONNREFUSED/.test(daemonA.output()), {
        timeoutMs: 8_000, what: "the refused connection reported",
      });
      await send(lan, a, "still chatting");
      await waitForEverywhere(lan, [a, b], "still chatting", "good-a", 2_000);
      await sleep(DISCOVERY_INTERVAL_MS + 1_000);
      const reports = daemonA.output().match(/cannot connect to udp-only/g) ?? [];
      assert.equal(reports.length, 1, "reported once at info, retries only at debug");
    });
  });

  it("a hello with our own peer_id from another host is logged and never connected to", async (t) => {
    await onLan(t, 2, async (lan) => {
      const [ours, impostor] = lan.hosts as [LanHost, LanHost];
      const daemon = lan.spawnP2pchat(ours, { peerId: "unique" });
      await httpUp(lan, ours);
      lan.spawn(impostor, "python3", ["-c", UDP_ONLY_PEER, "unique", lan.broadcast], { name: "impostor" });
      await waitFor(() => new RegExp(`a peer at ${impostor.address.replace(/\./g, "\\.")} uses our peer_id "unique"`).test(daemon.output()), {
        timeoutMs: 8_000, what: "the clash in the log",
      });
      await sleep(1_000);
      assert.deepEqual((await lan.tcpConnections(ours)).outbound, []);
    });
  });
});
