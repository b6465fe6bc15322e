// The bridge tests' sites (test/lan/bridge-sites.ts) themselves: the only way between two sites is
// the shared segment of their bridge hosts, a site added later is on it too, and nothing is left
// behind. If these fail, no bridge test result means anything.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { test } from "node:test";
import { BRIDGE_PORT, withBridgeSites } from "./bridge-sites.js";
import { requireLan, type Lan, type LanHost } from "./netns.js";
import { waitFor } from "../support/wait.js";

/** `ip route get` inside the host's namespace: the route it would take, or why there is none. */
function routeTo(host: LanHost, address: string): string {
  try {
    return execFileSync("ip", ["-n", host.ns, "-4", "route", "get", address], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (error) {
    return `no route: ${String((error as { stderr?: string }).stderr ?? error).trim()}`;
  }
}

/** Opens a TCP connection from `from` to address:port and reads the greeting; resolves "ok" or the error code. */
async function tcpReach(lan: Lan, from: LanHost, address: string, port: number): Promise<string> {
  const script = `const s = require("node:net").connect(${port}, ${JSON.stringify(address)});
s.setTimeout(2000, () => { console.log("TIMEOUT"); process.exit(1); });
s.on("data", (d) => { console.log(String(d)); process.exit(0); });
s.on("error", (e) => { console.log(e.code); process.exit(1); });`;
  const proc = lan.spawn(from, process.execPath, ["-e", script], { name: `${from.name}-connect` });
  await proc.exited;
  return proc.output().split("\n").filter((l) => l && !l.startsWith("#")).at(-1) ?? "";
}

test("bridge sites: the sites reach each other only through their bridge hosts' shared segment", async (t) => {
  if (!requireLan(t)) return;
  let made: { namespaces: string[]; links: string[] } | undefined;
  await withBridgeSites({ names: ["a", "b"], others: 1 }, async ({ shared, sites, addSite }) => {
    const [a, b] = sites as [typeof sites[0] & object, typeof sites[0] & object];
    const [refA] = a.others as [LanHost];
    const [refB] = b.others as [LanHost];
    assert.match(a.host.otherAddress, /^198\.1[89]\.\d+\.\d+$/);
    assert.equal(a.listen, `/ip4/${a.host.otherAddress}/tcp/${BRIDGE_PORT}`);
    assert.equal(shared.hosts.length, 0);

    // No routes between the sites, and the bridge hosts forward nothing.
    assert.match(routeTo(refA, refB.address), /no route: .*unreachable/i);
    assert.match(routeTo(refA, b.host.otherAddress), /no route: .*unreachable/i);
    assert.match(routeTo(a.host, refB.address), /no route: .*unreachable/i);
    assert.match(routeTo(a.host, b.host.otherAddress), /dev eth1/);
    assert.match(routeTo(a.host, refA.address), /dev eth0/);
    for (const site of [a, b]) {
      assert.equal(execFileSync("ip", ["netns", "exec", site.host.ns, "sysctl", "-n", "net.ipv4.ip_forward"], { encoding: "utf8" }).trim(), "0");
    }

    // And on the wire: bridge host b's port on the shared segment answers bridge host a only.
    const server = b.lan.spawn(b.host, process.execPath, ["-e",
      `require("node:net").createServer((s) => s.end("hello from b")).listen(${BRIDGE_PORT}, ${JSON.stringify(b.host.otherAddress)}, () => console.log("ready", "to", "answer"));`],
    { name: "b-listener" });
    await waitFor(() => server.output().includes("ready to answer"), { timeoutMs: 5_000, what: "the listener on bridge host b" });
    assert.equal(await tcpReach(a.lan, a.host, b.host.otherAddress, BRIDGE_PORT), "hello from b");
    assert.equal(await tcpReach(a.lan, refA, b.host.otherAddress, BRIDGE_PORT), "ENETUNREACH");

    // A site added later is on the same segment, and as cut off from the others' LANs.
    const c = await addSite("c", 1);
    assert.equal(await tcpReach(c.lan, c.host, b.host.otherAddress, BRIDGE_PORT), "hello from b");
    assert.match(routeTo(c.host, refA.address), /no route: .*unreachable/i);

    // Cutting a bridge host's eth1 cuts its site off the segment.
    await a.lan.setLink(a.host, false, "eth1");
    assert.notEqual(await tcpReach(a.lan, a.host, b.host.otherAddress, BRIDGE_PORT), "hello from b");
    await a.lan.setLink(a.host, true, "eth1");
    await waitFor(async () => (await tcpReach(a.lan, a.host, b.host.otherAddress, BRIDGE_PORT)) === "hello from b",
      { timeoutMs: 5_000, intervalMs: 100, what: "bridge host a back on the segment" });

    made = {
      namespaces: [...sites.flatMap((s) => s.lan.hosts.map((h) => h.ns))],
      links: [shared.bridge, ...sites.map((s) => s.lan.bridge), ...sites.flatMap((s) => s.lan.hosts.map((h) => h.veth))],
    };
  });
  assert.ok(made, "the sites were made");
  for (const ns of made.namespaces) assert.equal(fs.existsSync(`/run/netns/${ns}`), false, `namespace ${ns} left behind`);
  for (const link of made.links) assert.equal(fs.existsSync(`/sys/class/net/${link}`), false, `link ${link} left behind`);
});
