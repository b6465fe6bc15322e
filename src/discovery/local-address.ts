import { hostInterfaces } from "./host-interfaces.js";

/** Interfaces change rarely; a hello arrives every few seconds per peer. */
const REFRESH_MS = 10_000;
/** The addresses of the reading they were taken from, so that a new reading is looked at once. */
let cached: { reading: object; addresses: Set<string> } | undefined;

/** Whether `address` is one of this host's own IPv4 addresses (any of 127.0.0.0/8 counts). */
export function isLocalAddress(address: string, now = Date.now()): boolean {
  if (address.startsWith("127.")) return true;
  const reading = hostInterfaces(REFRESH_MS, now);
  if (cached?.reading !== reading) {
    const addresses = new Set<string>();
    for (const list of Object.values(reading)) {
      for (const info of list ?? []) addresses.add(info.address);
    }
    cached = { reading, addresses };
  }
  return cached.addresses.has(address);
}

/**
 * Whether a peer "at" `address` would in fact be our own TCP server: a hello from another
 * program on this host (a probe, a test tool) must not make us connect to ourselves.
 */
export function reachesOwnServer(address: string, bindAddress: string): boolean {
  return bindAddress === "0.0.0.0" ? isLocalAddress(address) : address === bindAddress;
}
