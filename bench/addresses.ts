// Many addresses for one namespace (the load generator's virtual peers), inside 198.18.0.0/15.
//
// A LAN is one /24, with its hosts at .1-.253. Virtual peers get whole extra /24s instead: each is
// claimed as an empty LAN (createLan with no hosts), so the harness's subnet locks keep it ours and
// its teardown releases it. The addresses go on the load host's eth0 as /32s, and each host under
// test gets a route to those /24s via the load host, so its answers and connections reach them.
//
// With `onLink` (the ingest), the virtual peers are on one of the host's LANs instead, as a class's
// peers are: the load host holds them as /24s and the host under test gets an address of its own
// in each /24 (.254) on the same eth0. Reached through a route, each virtual peer is a peer of
// another network, a segment of its own, and p2pchat relays every message it gets from one to all
// the others (docs/getting-started.md "Across networks"): work that a LAN never asks for and the
// reference peer does not do, which the ingest would measure instead of the intake. Only the load
// host's connections to the host under test are used then; its connections back are not.
import { execFile } from "node:child_process";
import { createLan, type Lan, type LanHost } from "../test/lan/netns.js";

/** Runs `ip -n NS -batch -` with `lines` (one ip command each, without the "ip"). */
export function ipBatch(ns: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile("ip", ["-n", ns, "-batch", "-"], (error, _stdout, stderr) => {
      if (error) reject(new Error(`ip -n ${ns} -batch failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
    child.stdin?.end(lines.join("\n") + "\n");
  });
}

export interface VirtualAddresses {
  addresses: string[];
  release(): Promise<void>;
}

const PER_SUBNET = 253;

export async function addVirtualAddresses(
  load: LanHost, targets: readonly LanHost[], count: number, options: { onLink?: boolean } = {},
): Promise<VirtualAddresses> {
  if (options.onLink && targets.length !== 1) throw new Error("onLink: one host under test");
  const reserved: Lan[] = [];
  const release = async () => {
    await Promise.all(reserved.map((lan) => lan.destroy()));
  };
  try {
    const addresses: string[] = [];
    while (addresses.length < count) {
      const lan = await createLan({ hosts: 0 });
      reserved.push(lan);
      const prefix = lan.broadcast.replace(/\.255$/, "");
      for (let i = 1; i <= PER_SUBNET && addresses.length < count; i++) addresses.push(`${prefix}.${i}`);
    }
    if (options.onLink) {
      await ipBatch(load.ns, addresses.map((a) => `addr add ${a}/24 dev eth0`));
      await ipBatch((targets[0] as LanHost).ns, reserved.map((lan) => `addr add ${lan.broadcast.replace(/\.255$/, ".254/24")} dev eth0`));
      return { addresses, release };
    }
    await ipBatch(load.ns, addresses.map((a) => `addr add ${a}/32 dev eth0`));
    const routes = reserved.map((lan) => `route add ${lan.broadcast.replace(/\.255$/, ".0/24")} via ${load.address}`);
    await Promise.all(targets.map((t) => ipBatch(t.ns, routes)));
    return { addresses, release };
  } catch (error) {
    await release();
    throw error;
  }
}
