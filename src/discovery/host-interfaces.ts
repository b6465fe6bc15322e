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
  if (!last || now - last.at >= maxAgeMs) return read(now);
  return last.interfaces;
}

function read(now: number): NodeJS.Dict<NetworkInterfaceInfo[]> {
  last = { at: now, interfaces: networkInterfaces() };
  return last.interfaces;
}

let rereadQueued = false;

/**
 * The newest reading, for a check on a message's way: the relay check before a received
 * message's ack, the HTTP admission before the /send it carries. A reading `maxAgeMs` old is still
 * given, and a new one is read right after this turn (setImmediate), for the next caller: the
 * kernel is not asked between a message and its ack. Only with no reading at all is one read now.
 */
export function hostInterfacesWithoutWaiting(maxAgeMs: number, now = Date.now()): NodeJS.Dict<NetworkInterfaceInfo[]> {
  if (!last) return read(now);
  if (now - last.at >= maxAgeMs && !rereadQueued) {
    rereadQueued = true;
    const old = last;
    setImmediate(() => {
      rereadQueued = false;
      if (last === old) read(Date.now()); // unless another caller has read it since
    }).unref();
  }
  return last.interfaces;
}
