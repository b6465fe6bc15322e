// Kernel limits a benchmark LAN outgrows. The ARP table is one table for all network namespaces
// (its gc_thresh3 is a global cap, 1024 entries by default), and a mesh of 40 hosts alone needs
// 40 × 39 = 1,560 entries: beyond the cap, the last hosts started cannot resolve or even
// broadcast ("neighbour: arp_cache: neighbor table overflow!" in dmesg) and stay cut off. The run
// raises the cap while it lasts and puts the old values back afterwards.
import { readFileSync, writeFileSync } from "node:fs";

const LIMITS: Array<[string, number]> = [
  ["/proc/sys/net/ipv4/neigh/default/gc_thresh2", 4096],
  ["/proc/sys/net/ipv4/neigh/default/gc_thresh3", 8192],
];

export interface RaisedLimits {
  /** What was changed, e.g. "net.ipv4.neigh.default.gc_thresh3 1024 → 8192". */
  changes: string[];
  restore(): void;
}

export function raiseNeighbourLimits(): RaisedLimits {
  const previous: Array<[string, string]> = [];
  const changes: string[] = [];
  for (const [file, wanted] of LIMITS) {
    const current = readFileSync(file, "utf8").trim();
    if (Number(current) >= wanted) continue;
    writeFileSync(file, String(wanted));
    previous.push([file, current]);
    changes.push(`${file.replace("/proc/sys/", "").replace(/\//g, ".")} ${current} → ${wanted}`);
  }
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const [file, value] of previous.reverse()) {
      try {
        writeFileSync(file, value);
      } catch {
        // best effort: the value only matters for LANs this large
      }
    }
  };
  process.on("exit", restore);
  return { changes, restore };
}
