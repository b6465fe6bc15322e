/**
 * The defaults that depend on the machine: the host name and the LAN's broadcast address. (The
 * whole Config of an unconfigured peer is load.ts's defaultConfig(), from the settings table.)
 */
import type { NetworkInterfaceInfo } from "node:os";

/** What the loader asks of the machine; tests pass a fake. */
export interface SystemFacts {
  hostname(): string;
  networkInterfaces(): NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** One LAN interface's directed broadcast address. */
export interface InterfaceBroadcast {
  /** Interface name, e.g. "eth0". */
  name: string;
  /** Our own address on it, and its netmask: peers in that subnet are on that interface's LAN. */
  address: string;
  netmask: string;
  broadcast: string;
}

/**
 * The directed broadcast address (address | ~netmask) of every non-internal IPv4 interface, in
 * the order the OS lists them. A /32 (point-to-point links, some VPNs) has no broadcast domain
 * (its "broadcast" is its own address), so it is skipped.
 */
export function interfaceBroadcasts(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): InterfaceBroadcast[] {
  const found: InterfaceBroadcast[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.internal) continue;
      const address = ipv4ToInt(info.address);
      const netmask = ipv4ToInt(info.netmask);
      if (address === undefined || netmask === undefined || netmask === 0xffffffff) continue;
      found.push({ name, address: info.address, netmask: info.netmask, broadcast: intToIpv4((address | ~netmask) >>> 0) });
    }
  }
  return found;
}

/** Whether `address` is in the subnet of `iface` (same bits under its netmask). */
export function inSubnet(address: string, iface: Pick<InterfaceBroadcast, "address" | "netmask">): boolean {
  const a = ipv4ToInt(address);
  const own = ipv4ToInt(iface.address);
  const mask = ipv4ToInt(iface.netmask);
  if (a === undefined || own === undefined || mask === undefined) return false;
  return ((a & mask) >>> 0) === ((own & mask) >>> 0);
}

/**
 * The Config of a peer with nothing configured: what loadConfig() yields with no file and no flags
 * (a test holds the two equal). The library starts from it and lays its options over it.
 */
function ipv4ToInt(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined;
    value = value * 256 + octet; // not `<< 8`: that goes negative past 2^31
  }
  return value;
}

function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}
