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

/** Used when no interface can tell us better; routers do not forward it, which is what we want. */
export const LIMITED_BROADCAST = "255.255.255.255";

export interface BroadcastChoice {
  address: string;
  /** Interface name it came from, or undefined for the 255.255.255.255 fallback. */
  from: string | undefined;
}

/**
 * The directed broadcast address (address | ~netmask) of the first non-internal IPv4 interface,
 * in the order the OS lists them. A /32 (point-to-point links, some VPNs) has no broadcast domain
 * (its "broadcast" is its own address), so it is skipped rather than chosen.
 */
export function defaultBroadcast(system: SystemFacts): BroadcastChoice {
  for (const [name, infos] of Object.entries(system.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family !== "IPv4" || info.internal) continue;
      const address = ipv4ToInt(info.address);
      const netmask = ipv4ToInt(info.netmask);
      if (address === undefined || netmask === undefined || netmask === 0xffffffff) continue;
      return { address: intToIpv4((address | ~netmask) >>> 0), from: name };
    }
  }
  return { address: LIMITED_BROADCAST, from: undefined };
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
