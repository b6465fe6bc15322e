import { inSubnet, type InterfaceBroadcast } from "../config/defaults.js";

/**
 * How a peer is reached, judged by its address (shown in GET /peers, the page and `p2pchat peers`):
 * - interface: it is in the subnet of one of our interfaces (found by that LAN's broadcast, or by
 *   unicast, which makes no difference: the interface's broadcast reaches it too);
 * - static: a [PEERS] static / --peer entry resolved to its address;
 * - remembered: a peer we were connected to before a restart (peers/remembered.ts);
 * - routed: none of these: it found us by unicast from another network (its own static entry).
 */
export type Reach =
  | { kind: "interface"; name: string }
  | { kind: "static"; name: string }
  | { kind: "remembered"; name: string }
  | { kind: "routed"; name: string };

/** What the unicast targets know of an address: which entry it came from. */
export interface UnicastOrigin {
  kind: "static" | "remembered";
  /** The entry as configured (a host name, or HOST:PORT), or the remembered address. */
  name: string;
}

/** An interface's subnet first: a peer on one of our LANs belongs to that LAN, however found. */
export function reachOf(
  address: string,
  interfaces: readonly InterfaceBroadcast[],
  unicastOrigin: (address: string) => UnicastOrigin | undefined,
): Reach {
  const lan = interfaces.find((i) => inSubnet(address, i));
  if (lan) return { kind: "interface", name: lan.name };
  const origin = unicastOrigin(address);
  if (origin) return origin;
  return { kind: "routed", name: address };
}

/**
 * The segment a peer belongs to, for the relay rule (peers/relay.ts): all peers of one LAN share
 * one, so a single LAN is one segment and nothing is relayed on it; every unicast-found peer that
 * is not on one of our LANs is a segment of its own.
 */
export function segmentOf(reach: Reach): string {
  return `${reach.kind}:${reach.name}`;
}
