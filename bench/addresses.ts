// Many addresses for one namespace (the load generator's virtual peers), inside 198.18.0.0/15.
//
// A LAN is one /24, with its hosts at .1-.253. Virtual peers get whole extra /24s instead: each is
// claimed as an empty LAN (createLan with no hosts), so the harness's subnet locks keep it ours and
// its teardown releases it. The addresses go on the load host's eth0 as /32s, and each host under
// test gets a route to those /24s via the load host, so its answers and connections reach them.
import { execFile } from "node:child_process";
import { createLan, type Lan, type LanHost } from "../test/lan/netns.js";

function ipBatch(ns: string, lines: string[]): Promise<void> {
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

export async function addVirtualAddresses(load: LanHost, targets: readonly LanHost[], count: number): Promise<VirtualAddresses> {
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
    await ipBatch(load.ns, addresses.map((a) => `addr add ${a}/32 dev eth0`));
    const routes = reserved.map((lan) => `route add ${lan.broadcast.replace(/\.255$/, ".0/24")} via ${load.address}`);
    await Promise.all(targets.map((t) => ipBatch(t.ns, routes)));
    return { addresses, release };
  } catch (error) {
    await release();
    throw error;
  }
}
