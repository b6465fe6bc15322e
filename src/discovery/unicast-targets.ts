import { isIPv4 } from "node:net";
import { parseHostPort } from "../config/values.js";
import type { Logger } from "../log/logger.js";
import type { UnicastOrigin } from "./reach.js";

/** One address our hello goes to by unicast. */
export interface UnicastTarget {
  address: string;
  port: number;
  origin: UnicastOrigin;
}

/** Resolves a host name to one IPv4 address; tests pass a fake. */
export type Lookup = (host: string) => Promise<string>;

// node:dns is imported at the first name to resolve: most peers have no static peers, and loading
// it cost every start a few ms (docs/performance.md).
const systemLookup: Lookup = async (host) => (await (await import("node:dns/promises")).lookup(host, { family: 4 })).address;

/**
 * The peers we greet by unicast besides the broadcast (docs/getting-started.md "Across networks"): the static
 * entries ([PEERS] static, --peer), whose host names are resolved again at every hello (a laptop's
 * DHCP address changes), and the remembered peers' addresses. It also answers, for an address,
 * which entry it came from and on which port its TCP server listens.
 */
export class UnicastTargets {
  private staticEntries: string[] = [];
  private remembered: string[] = [];
  /** The addresses of the last resolution, and where each came from. */
  private resolved = new Map<string, UnicastTarget>();
  /** Names that did not resolve last time: said once until they do. */
  private readonly failing = new Set<string>();
  private resolutions = 0;

  constructor(
    private defaultPort: number,
    private readonly logger: Logger,
    private readonly lookup: Lookup = systemLookup,
  ) {}

  /** New static entries (start, config reload), as config/values.ts hostPortList() read them. */
  setStatic(entries: readonly string[]): void {
    this.staticEntries = [...entries];
  }

  /** The remembered peers' addresses (peers/remembered.ts). */
  setRemembered(addresses: readonly string[]): void {
    this.remembered = [...new Set(addresses)];
  }

  setDefaultPort(port: number): void {
    this.defaultPort = port;
  }

  /**
   * Resolves every entry now. A name that does not resolve is left out this round (and keeps the
   * address it had, for reachOf() and portFor(), until it resolves to another).
   */
  async resolve(): Promise<UnicastTarget[]> {
    const targets: UnicastTarget[] = [];
    const resolvedNow = new Map<string, UnicastTarget>();
    await Promise.all(this.staticEntries.map(async (entry) => {
      const parsed = parseHostPort(entry);
      if (!parsed) return; // the config loader refuses such entries; a library user may not
      const address = await this.addressOf(parsed.host, entry);
      if (address === undefined) {
        for (const [known, target] of this.resolved) if (target.origin.name === entry) resolvedNow.set(known, target);
        return;
      }
      const target: UnicastTarget = { address, port: parsed.port ?? this.defaultPort, origin: { kind: "static", name: entry } };
      targets.push(target);
      resolvedNow.set(address, target);
    }));
    for (const address of this.remembered) {
      if (resolvedNow.has(address)) continue; // a static entry says it better
      const target: UnicastTarget = { address, port: this.defaultPort, origin: { kind: "remembered", name: address } };
      targets.push(target);
      resolvedNow.set(address, target);
    }
    if (!sameOrigins(this.resolved, resolvedNow)) this.resolutions++;
    this.resolved = resolvedNow;
    return targets;
  }

  /**
   * Changes whenever a resolution gives an address another origin or port, or adds or drops one:
   * what was worked out from originOf() (the node's reaches and segments) holds while it stays.
   */
  get revision(): number {
    return this.resolutions;
  }

  /** Which entry an address came from at the last resolution, if any. */
  originOf(address: string): UnicastOrigin | undefined {
    return this.resolved.get(address)?.origin;
  }

  /** The TCP port of the peer at `address`: a static entry's own PORT, else [NETWORK_INFO] port. */
  portFor(address: string): number {
    return this.resolved.get(address)?.port ?? this.defaultPort;
  }

  private async addressOf(host: string, entry: string): Promise<string | undefined> {
    if (isIPv4(host)) return host;
    try {
      const address = await this.lookup(host);
      if (this.failing.delete(entry)) this.logger.info(`static peer ${entry} resolves again, to ${address}`);
      return address;
    } catch (err) {
      if (!this.failing.has(entry)) {
        this.failing.add(entry);
        this.logger.warn(`static peer ${entry}: cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); trying again at every hello`);
      }
      return undefined;
    }
  }
}

function sameOrigins(a: ReadonlyMap<string, UnicastTarget>, b: ReadonlyMap<string, UnicastTarget>): boolean {
  if (a.size !== b.size) return false;
  for (const [address, target] of a) {
    const other = b.get(address);
    if (other === undefined || other.port !== target.port || other.origin.kind !== target.origin.kind
      || other.origin.name !== target.origin.name) return false;
  }
  return true;
}
