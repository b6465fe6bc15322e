import { lookup, type LookupOneOptions } from "node:dns";
import { isIPv4 } from "node:net";

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The discovery socket's lookup (dgram's `lookup` option): a destination that is already an IPv4
 * address, as every answer's and every hello's is, comes back in the same call.
 *
 * dns.lookup() gives such an address back one turn of the loop later: a tick with its async
 * context, and the check for unhandled rejections that follows every tick queue. At idle that was
 * a third of what a peer allocated per datagram, and at idle V8 gives its young generation's pages
 * back after each scavenge, so that every 4 KiB allocated there is a fresh page and a page fault
 * (bench/analysis.md "Idle CPU"). A host name is looked up as before.
 */
export function lookupLiteral(hostname: string, options: LookupOneOptions, callback: LookupCallback): void {
  if (isIPv4(hostname)) callback(null, hostname, 4);
  else lookup(hostname, options, callback);
}
