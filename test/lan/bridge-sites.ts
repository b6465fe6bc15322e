// Sites joined only by the libp2p bridge (docs/two-schools.md), for the bridge's multi-host tests
// and its benchmark.
//
//   site a: LAN 198.18.A.0/24                 shared segment 198.18.S.0/24               site b: LAN 198.18.B.0/24
//   reference peers ── eth0 [bridge host a] eth1 ──── (a Linux bridge) ──── eth1 [bridge host b] eth0 ── reference peers
//
// Each site is a LAN of its own (test/lan/netns.ts) with reference peers and one bridge host: a
// p2pchat whose eth0 is on the site's LAN and whose eth1 is on the shared segment, with no
// forwarding and no routes. So nothing of one site can reach the other except through what the
// bridge hosts' p2pchats carry over libp2p on the shared segment, and the protocol's broadcasts
// stay on each site's LAN (every p2pchat is given its own site's broadcast address only). A site
// added later (a late joiner) gets its own LAN and a bridge host on the same shared segment.
//
// Everything is removed when the function given to withBridgeSites() returns or throws: the
// sites' LANs first (each holds its bridge host and both of its veths), then the shared segment.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLan, repoRoot, type Lan, type LanHost, type LanProcess } from "./netns.js";

/** The bridge hosts' libp2p TCP port on the shared segment (the walk-through's port too). */
export const BRIDGE_PORT = 9877;

/** GET /peers' `bridge` object (docs/http-api.md). */
export interface BridgeView {
  id: string;
  room: string;
  listen: string[];
  peers: Array<{ id: string; address: string; connected: boolean; since?: number | string; lastError?: string }>;
}

export interface BridgeSite {
  /** "a", "b", ... : also the bridge host's p2pchat peer_id suffix ("bridge-a"). */
  readonly name: string;
  /** The site's own LAN. */
  readonly lan: Lan;
  /** The bridge host: eth0 on the site's LAN, eth1 (`otherAddress`) on the shared segment. */
  readonly host: LanHost & { otherAddress: string };
  /** Hosts on the site's LAN for reference peers (nothing started on them yet). */
  readonly others: readonly LanHost[];
  /** The bridge host's p2pchat peer_id. */
  readonly peerId: string;
  /** Where its bridge listens: /ip4/<eth1 address>/tcp/BRIDGE_PORT. */
  readonly listen: string;
  /** Its libp2p identity, kept across restarts of its p2pchat. */
  readonly identityFile: string;
  /** The p2pchat last started on the bridge host (by startBridge), if any. */
  process: LanProcess | undefined;
}

export interface StartBridgeOptions {
  /** --bridge-peer multiaddrs (with or without /p2p/<id>). */
  peers?: string[];
  /** Default: the sites' shared room key. */
  keyFile?: string;
  room?: string;
  /** More p2pchat arguments. */
  args?: string[];
  /** Log name (default "<site>-bridge", made unique by the harness). */
  name?: string;
}

export interface BridgeSites {
  /** The segment the bridge hosts share (it has no hosts of its own). */
  readonly shared: Lan;
  readonly sites: BridgeSite[];
  /** The room key every site uses unless told otherwise, made by `p2pchat bridge-key` on first use. */
  readonly keyFile: string;
  /** Adds a site (its LAN of `others` hosts plus a bridge host on the shared segment). */
  addSite(name: string, others: number): Promise<BridgeSite>;
  /** A fresh key file made by `p2pchat bridge-key` (a different room key from keyFile). */
  newKeyFile(name: string): string;
  /** Starts p2pchat on the site's bridge host, with its bridge listening on the shared segment. */
  startBridge(site: BridgeSite, opts?: StartBridgeOptions): LanProcess;
  /** The bridge host's GET /peers `bridge` object (null when the bridge is off). */
  bridgeOf(site: BridgeSite): Promise<BridgeView | null>;
}

const CLI = path.join(repoRoot, "dist", "src", "cli", "main.js");

/** `p2pchat bridge-key > file`, checked to be the 64 hex digits the walk-through promises. */
export function makeKeyFile(file: string): string {
  const key = execFileSync(process.execPath, [CLI, "bridge-key"], { encoding: "utf8", timeout: 10_000 });
  if (!/^[0-9a-f]{64}\n$/.test(key)) throw new Error(`p2pchat bridge-key printed ${JSON.stringify(key)}, not 64 hex digits and a newline`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, key, { mode: 0o600 });
  return file;
}

/** The multiaddr other bridges dial to reach `site` (with its libp2p id when given). */
export function dialAddress(site: BridgeSite, id?: string): string {
  return id === undefined ? site.listen : `${site.listen}/p2p/${id}`;
}

class Sites implements BridgeSites {
  readonly sites: BridgeSite[] = [];
  private roomKey: string | undefined;

  constructor(readonly shared: Lan) {}

  get keyFile(): string {
    // Made on first use: tests of the segments alone need no key.
    this.roomKey ??= makeKeyFile(path.join(this.shared.artifactsDir, "room.key"));
    return this.roomKey;
  }

  // Arrow functions: the tests destructure them from the sites.
  readonly addSite = async (name: string, others: number): Promise<BridgeSite> => {
    const lan = await createLan({ hosts: others });
    try {
      const host = await lan.addJoinedHost(this.shared, { name: `bridge-${name}`, forward: false });
      const site: BridgeSite = {
        name,
        lan,
        host,
        others: lan.hosts.filter((h) => h !== host),
        peerId: `bridge-${name}`,
        listen: `/ip4/${host.otherAddress}/tcp/${BRIDGE_PORT}`,
        identityFile: path.join(lan.artifactsDir, `bridge-${name}-identity.key`),
        process: undefined,
      };
      this.sites.push(site);
      return site;
    } catch (error) {
      await lan.destroy();
      throw error;
    }
  };

  readonly newKeyFile = (name: string): string => {
    return makeKeyFile(path.join(this.shared.artifactsDir, `${name}.key`));
  };

  readonly startBridge = (site: BridgeSite, opts: StartBridgeOptions = {}): LanProcess => {
    const args = [
      "--bridge-listen", site.listen,
      ...(opts.peers ?? []).flatMap((p) => ["--bridge-peer", p]),
      "--bridge-key-file", opts.keyFile ?? this.keyFile,
      "--bridge-identity-file", site.identityFile,
      ...(opts.room === undefined ? [] : ["--bridge-room", opts.room]),
      ...(opts.args ?? []),
    ];
    // The site's broadcast address only (spawnP2pchat's default): hellos never reach the shared
    // segment, so the bridge hosts cannot meet over the chat protocol itself.
    site.process = site.lan.spawnP2pchat(site.host, { peerId: site.peerId, args, name: opts.name ?? `${site.name}-bridge` });
    return site.process;
  };

  readonly bridgeOf = async (site: BridgeSite): Promise<BridgeView | null> => {
    const { status, body } = await site.lan.http(site.host, "/peers", { timeoutMs: 2_000 });
    if (status !== 200) throw new Error(`GET /peers on ${site.host.name}: HTTP ${status}`);
    return (body as { bridge?: BridgeView | null }).bridge ?? null;
  };

  async destroy(): Promise<void> {
    // Each site's LAN holds its bridge host and both of its veths, so the sites go first.
    for (const site of [...this.sites].reverse()) await site.lan.destroy();
    await this.shared.destroy();
  }
}

/**
 * `names.length` sites of `others` hosts each (besides the bridge host) on one shared segment.
 * Nothing is started. Runs `fn` and removes everything afterwards, whether it succeeds or throws.
 */
export async function withBridgeSites<T>(
  opts: { names: string[]; others: number },
  fn: (sites: BridgeSites) => Promise<T>,
): Promise<T> {
  const shared = await createLan({ hosts: 0 });
  let sites: Sites | undefined;
  try {
    sites = new Sites(shared);
    for (const name of opts.names) await sites.addSite(name, opts.others);
    return await fn(sites);
  } finally {
    if (sites) await sites.destroy();
    else await shared.destroy();
  }
}
