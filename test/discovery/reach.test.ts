import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../src/log/logger.js";
import { broadcastTargets } from "../../src/discovery/broadcast-targets.js";
import { reachOf, segmentOf, type UnicastOrigin } from "../../src/discovery/reach.js";
import { UnicastTargets } from "../../src/discovery/unicast-targets.js";
import { interfaceBroadcasts } from "../../src/config/defaults.js";

const quiet = createLogger({ level: "error", write: () => {} });
const v4 = (address: string, netmask: string, internal = false) =>
  ({ address, netmask, family: "IPv4" as const, internal, mac: "00:00:00:00:00:00", cidr: null });
const INTERFACES = interfaceBroadcasts({
  lo: [v4("127.0.0.1", "255.0.0.0", true)],
  eth0: [v4("198.18.1.7", "255.255.255.0")],
  eth1: [v4("198.18.2.7", "255.255.255.0")],
  tun0: [v4("198.18.9.1", "255.255.255.255")],
});

describe("the broadcast list", () => {
  it("is every LAN interface's broadcast address when none is configured, each once", () => {
    assert.deepEqual(broadcastTargets("", () => INTERFACES), ["198.18.1.255", "198.18.2.255"]);
    assert.deepEqual(broadcastTargets("", () => [...INTERFACES, ...INTERFACES]), ["198.18.1.255", "198.18.2.255"]);
    assert.deepEqual(broadcastTargets("", () => []), []);
  });

  it("is the configured list when there is one, the seed's single address included", () => {
    assert.deepEqual(broadcastTargets("198.19.255.255", () => INTERFACES), ["198.19.255.255"]);
    assert.deepEqual(broadcastTargets("198.18.1.255,198.18.5.255", () => INTERFACES), ["198.18.1.255", "198.18.5.255"]);
  });
});

describe("segment classification", () => {
  const origins = new Map<string, UnicastOrigin>([
    ["198.18.5.1", { kind: "static", name: "gw.example" }],
    ["198.18.6.1", { kind: "remembered", name: "198.18.6.1" }],
    ["198.18.1.20", { kind: "static", name: "198.18.1.20" }],
  ]);
  const reach = (address: string) => reachOf(address, INTERFACES, (a) => origins.get(a));

  it("puts a peer in one of our subnets in that interface's segment, however it was found", () => {
    assert.deepEqual(reach("198.18.1.3"), { kind: "interface", name: "eth0" });
    assert.deepEqual(reach("198.18.2.3"), { kind: "interface", name: "eth1" });
    // A static entry on our own LAN is that LAN: its broadcast reaches it too.
    assert.deepEqual(reach("198.18.1.20"), { kind: "interface", name: "eth0" });
    assert.equal(segmentOf(reach("198.18.1.3")), segmentOf(reach("198.18.1.20")));
  });

  it("names static, remembered and routed peers elsewhere, each its own segment", () => {
    assert.deepEqual(reach("198.18.5.1"), { kind: "static", name: "gw.example" });
    assert.deepEqual(reach("198.18.6.1"), { kind: "remembered", name: "198.18.6.1" });
    assert.deepEqual(reach("198.18.7.1"), { kind: "routed", name: "198.18.7.1" });
    assert.notEqual(segmentOf(reach("198.18.7.1")), segmentOf(reach("198.18.7.2")));
  });
});

describe("unicast targets", () => {
  it("resolve names at every round, keep a name's last address while it fails, and know each entry's port", async () => {
    let answer: string | Error = "198.18.5.1";
    const targets = new UnicastTargets(9876, quiet, async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    });
    targets.setStatic(["gw.example:9000", "198.18.8.8"]);
    targets.setRemembered(["198.18.6.1", "198.18.8.8"]);
    const first = await targets.resolve();
    assert.deepEqual(first.map((t) => [t.address, t.port, t.origin.kind]).sort(), [
      ["198.18.5.1", 9000, "static"], ["198.18.6.1", 9876, "remembered"], ["198.18.8.8", 9876, "static"],
    ]);
    assert.equal(targets.portFor("198.18.5.1"), 9000);
    answer = "198.18.5.2"; // a DHCP lease changed
    await targets.resolve();
    assert.equal(targets.originOf("198.18.5.1"), undefined);
    assert.deepEqual(targets.originOf("198.18.5.2"), { kind: "static", name: "gw.example:9000" });
    answer = new Error("ENOTFOUND");
    const failing = await targets.resolve();
    assert.ok(!failing.some((t) => t.origin.name === "gw.example:9000"), "not sent to while it does not resolve");
    assert.equal(targets.portFor("198.18.5.2"), 9000, "still known by its last address");
  });

  it("change their revision only when a resolution gives an address another origin, or adds or drops one", async () => {
    let answer = "198.18.5.1";
    const targets = new UnicastTargets(9876, quiet, async () => answer);
    targets.setStatic(["gw.example"]);
    await targets.resolve();
    const first = targets.revision;
    await targets.resolve();
    assert.equal(targets.revision, first, "resolved as before: what was worked out from it holds");
    answer = "198.18.5.2";
    await targets.resolve();
    assert.notEqual(targets.revision, first, "the name resolves elsewhere");
    const moved = targets.revision;
    targets.setRemembered(["198.18.6.1"]);
    await targets.resolve();
    assert.notEqual(targets.revision, moved, "a remembered peer more");
  });
});
