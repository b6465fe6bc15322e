import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

/** The newest reading of this host's interfaces, shared by every check that needs them. */
let last: { at: number; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> } | undefined;

/**
 * This host's interfaces, read from the kernel unless the newest reading is younger than
 * `maxAgeMs`. Every reader shares that reading: the hello reads afresh once an interval, and the
 * checks in between (is this address ours?) take what it read instead of asking again. A reading
 * is a netlink request and a few objects per address, 0.2-0.4 ms of CPU in a process that has
 * been idle: at idle, a large part of a lone peer's CPU. A reading that finds the interfaces as
 * they were is the last reading's object again (read()).
 */
export function hostInterfaces(maxAgeMs: number, now = Date.now()): NodeJS.Dict<NetworkInterfaceInfo[]> {
  if (!last || now - last.at >= maxAgeMs) return read(now);
  return last.interfaces;
}

function read(now: number): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const interfaces = networkInterfaces();
  // Nearly always the interfaces are what they were: the last reading's object is kept then, so
  // that what its readers worked out from it holds (the node's relay segments, checked before a
  // received message's ack; the admission's own addresses). A new object every interval made the
  // next message received work out every peer's segment again before its ack: 0.1-1 ms, cold.
  last = { at: now, interfaces: last !== undefined && sameReading(last.interfaces, interfaces) ? last.interfaces : interfaces };
  return last.interfaces;
}

/** When the newest reading was taken (undefined before the first): whether the kernel was asked. */
export function hostInterfacesReadAt(): number | undefined {
  return last?.at;
}

/** Whether two readings list the same interfaces with the same addresses, in the same order. */
export function sameReading(a: NodeJS.Dict<NetworkInterfaceInfo[]>, b: NodeJS.Dict<NetworkInterfaceInfo[]>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) {
    const x = a[name] ?? [];
    const y = b[name];
    if (y === undefined || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      const p = x[i] as NetworkInterfaceInfo;
      const q = y[i] as NetworkInterfaceInfo;
      if (p.address !== q.address || p.netmask !== q.netmask || p.family !== q.family || p.mac !== q.mac
        || p.internal !== q.internal || p.scopeid !== q.scopeid) return false;
    }
  }
  return true;
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
