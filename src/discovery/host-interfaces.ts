import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

/** The newest reading of this host's interfaces, shared by every check that needs them. */
let last: { at: number; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> } | undefined;

/**
 * This host's interfaces, read from the kernel unless the newest reading is younger than
 * `maxAgeMs`. Every reader shares that reading: the hello reads afresh once an interval, and the
 * checks in between (is this address ours?) take what it read instead of asking again. A reading
 * is a netlink request and a few objects per address, 0.2-0.4 ms of CPU in a process that has
 * been idle: at idle, a large part of a lone peer's CPU.
 */
export function hostInterfaces(maxAgeMs: number, now = Date.now()): NodeJS.Dict<NetworkInterfaceInfo[]> {
  if (!last || now - last.at >= maxAgeMs) last = { at: now, interfaces: networkInterfaces() };
  return last.interfaces;
}
