import { hostInterfaces, hostInterfacesWithoutWaiting } from "./host-interfaces.js";

/**
 * An address found in a reading up to a minute old is still ours: a hello comes back to us from
 * our own address every interval, and asking the kernel again each time was most of an idle
 * peer's work. One not found is looked for again in a reading at most 10 s old, so that an
 * address we were just given is known as ours within one hello.
 */
const OURS_MAX_AGE_MS = 60_000;
const NOT_OURS_MAX_AGE_MS = 10_000;
/** The addresses of the reading they were taken from, so that a new reading is looked at once. */
let cached: { reading: object; addresses: Set<string> } | undefined;

/** Whether `address` is one of this host's own IPv4 addresses (any of 127.0.0.0/8 counts). */
export function isLocalAddress(address: string, now = Date.now()): boolean {
  return isOwnIn(address, now, hostInterfaces);
}

/**
 * The same answer, for a check on a message's way (the HTTP admission of the connection a /send
 * comes on): an old reading is read again after this turn, not before the answer
 * (hostInterfacesWithoutWaiting). An address given to us in the last seconds may be taken for
 * another host's once, the cost of which is a connection counted in another host's share.
 */
export function isLocalAddressWithoutWaiting(address: string, now = Date.now()): boolean {
  return isOwnIn(address, now, hostInterfacesWithoutWaiting);
}

/** The rule of both: loopback, else a reading up to a minute old, else one at most 10 s old, from `read`. */
function isOwnIn(address: string, now: number, read: typeof hostInterfaces): boolean {
  if (address.startsWith("127.")) return true;
  return addressesOf(read(OURS_MAX_AGE_MS, now)).has(address)
    || addressesOf(read(NOT_OURS_MAX_AGE_MS, now)).has(address);
}

function addressesOf(reading: ReturnType<typeof hostInterfaces>): Set<string> {
  if (cached?.reading !== reading) {
    const addresses = new Set<string>();
    for (const list of Object.values(reading)) {
      for (const info of list ?? []) addresses.add(info.address);
    }
    cached = { reading, addresses };
  }
  return cached.addresses;
}

/**
 * Whether a peer "at" `address` would in fact be our own TCP server: a hello from another
 * program on this host (a probe, a test tool) must not make us connect to ourselves.
 */
export function reachesOwnServer(address: string, bindAddress: string): boolean {
  return bindAddress === "0.0.0.0" ? isLocalAddress(address) : address === bindAddress;
}
