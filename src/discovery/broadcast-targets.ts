import { interfaceBroadcasts, type InterfaceBroadcast } from "../config/defaults.js";
import { hostInterfaces } from "./host-interfaces.js";

export type { InterfaceBroadcast } from "../config/defaults.js";

/** This host's LAN interfaces as they are now: read at every hello, so a new one is used at once. */
export function currentInterfaces(): InterfaceBroadcast[] {
  return interfaceBroadcasts(hostInterfaces(0));
}

/**
 * Where one round of hellos is broadcast (docs/protocol.md §1): the configured addresses
 * ([NETWORK_INFO] broadcast_address, comma-separated, as config/values.ts ipv4List() keeps them),
 * or, when none is configured, the directed broadcast address of every LAN interface, each once.
 * The interfaces are read only in that case: a reading is a netlink request, and at idle it was
 * most of what a hello cost.
 */
export function broadcastTargets(configured: string, interfaces: () => readonly InterfaceBroadcast[]): string[] {
  const listed = configured === "" ? interfaces().map((i) => i.broadcast) : configured.split(",");
  return [...new Set(listed)];
}
