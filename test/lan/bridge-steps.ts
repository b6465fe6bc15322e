// Shared steps of the bridge tests (test/lan/bridge*.test.ts) on the sites of bridge-sites.ts:
// starting a room, waiting for bridges to be connected, and for texts to be somewhere, each
// phrased so that a timeout says what was missing.
import { performance } from "node:perf_hooks";
import { dialAddress, type BridgeSite, type BridgeSites, type BridgeView } from "./bridge-sites.js";
import type { Lan, LanHost, LanProcess } from "./netns.js";
import { historyOf, httpUp, meshIsFull, send } from "./scenario.js";
import { waitFor } from "../support/wait.js";

export interface HistoryRow { id: string; peer_id: string; message: string; via?: string }

/** A site of a running room: its bridge host's libp2p id and its reference peer. */
export interface Member {
  site: BridgeSite;
  lan: Lan;
  /** The bridge host (p2pchat). */
  host: LanHost;
  /** The bridge's libp2p id. */
  id: string;
  /** The host of the site's reference peer, and its peer_id ("ref-<site>"). */
  ref: LanHost;
  refId: string;
  refProcess: LanProcess;
}

/** Waits for the bridge host's HTTP API and returns its bridge's libp2p id. */
export async function bridgeId(sites: BridgeSites, site: BridgeSite, timeoutMs = 15_000): Promise<string> {
  await httpUp(site.lan, site.host, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}\n${site.process?.output().slice(-3_000) ?? ""}`);
  });
  return waitFor(async () => (await sites.bridgeOf(site))?.id, { timeoutMs, what: `${site.host.name}'s bridge id in GET /peers` });
}

/** The bridge peers `site` shows connected in GET /peers (their libp2p ids). */
export async function connectedIds(sites: BridgeSites, site: BridgeSite): Promise<string[]> {
  const view: BridgeView | null = await sites.bridgeOf(site);
  return (view?.peers ?? []).filter((p) => p.connected).map((p) => p.id).sort();
}

/** Waits until `site` shows every one of `ids` connected. */
export async function waitConnected(sites: BridgeSites, site: BridgeSite, ids: string[], timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    const connected = await connectedIds(sites, site);
    return ids.every((id) => connected.includes(id));
  }, { timeoutMs, intervalMs: 100, what: `${site.host.name} to show bridge peers ${ids.join(", ")} connected` })
    .catch(async (error: Error) => {
      throw new Error(`${error.message}\nits bridge: ${JSON.stringify(await sites.bridgeOf(site).catch(() => null))}`);
    });
}

/**
 * Starts a room on `members` sites: the first site's bridge listens, and every other one also
 * dials it as the walk-through says (its listen address with /p2p/<id>, read from GET /peers);
 * a reference peer "ref-<site>" on each site's first other host. Resolves when every bridge is
 * connected to the first, every reference peer to its bridge host both ways, and the room carries
 * messages between the first site and each other one (roomCarries: how long that took after
 * "connected" is `carriesMs`).
 */
export async function startRoom(sites: BridgeSites, members: BridgeSite[]): Promise<{ members: Member[]; carriesMs: number }> {
  const [first, ...rest] = members as [BridgeSite, ...BridgeSite[]];
  const refs = members.map((site) => site.lan.spawnRefpeer(site.others[0]!, { peerId: `ref-${site.name}` }));
  sites.startBridge(first);
  const firstId = await bridgeId(sites, first);
  for (const site of rest) sites.startBridge(site, { peers: [dialAddress(first, firstId)] });
  const ids = [firstId, ...(await Promise.all(rest.map((site) => bridgeId(sites, site))))];
  await Promise.all([
    waitConnected(sites, first, ids.slice(1), 15_000),
    ...rest.map((site) => waitConnected(sites, site, [firstId], 15_000)),
    ...members.map((site) => waitFor(() => meshIsFull(site.lan, [site.host, site.others[0]!]), {
      timeoutMs: 15_000, intervalMs: 100, what: `ref-${site.name} and ${site.host.name} connected both ways`,
    })),
  ]);
  const started: Member[] = members.map((site, i) => ({
    site, lan: site.lan, host: site.host, id: ids[i]!, ref: site.others[0]!, refId: `ref-${site.name}`, refProcess: refs[i]!,
  }));
  const [hub, ...spokes] = started as [Member, ...Member[]];
  const carries = await Promise.all(spokes.map((m) => roomCarries(hub, m)));
  return { members: started, carriesMs: Math.max(...carries) };
}

/**
 * Waits until the room carries messages both ways between `a` and `b`: each bridge host sends a
 * probe through its own /send, again every 500 ms, until one reaches the other. "Connected" in
 * GET /peers comes first: gossipsub learns the other bridge's subscription only after the
 * connection is up, and a message published before that reaches nobody (see the tests' notes).
 * Resolves with how long it took.
 */
export async function roomCarries(a: Member, b: Member, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  let n = 0;
  const oneWay = async (from: Member, to: Member) => {
    const sent: string[] = [];
    await waitFor(async () => {
      const history = Object.values(await historyOf(to.lan, to.host)).map((m) => m.message);
      if (sent.some((text) => history.includes(text))) return true;
      const text = `probe ${++n} from ${from.site.peerId}: is the room carrying?`;
      sent.push(text);
      await send(from.lan, from.host, text);
      return false;
    }, { timeoutMs, intervalMs: 500, what: `a probe from ${from.site.peerId} to reach ${to.site.peerId} over the bridge` });
  };
  await Promise.all([oneWay(a, b), oneWay(b, a)]);
  return performance.now() - started;
}

export async function hasText(lan: Lan, host: LanHost, text: string): Promise<boolean> {
  return Object.values(await historyOf(lan, host)).some((m) => m.message === text);
}

/** GET /history (p2pchat only): messages with the host or bridge they came through. */
export async function historyRows(lan: Lan, host: LanHost): Promise<HistoryRow[]> {
  return ((await lan.http(host, "/history")).body as { messages: HistoryRow[] }).messages;
}

/** Sends `text` from `from`'s /send and waits until `to` has it; resolves with the time (ms) from the request. */
export async function timedAcross(from: { lan: Lan; host: LanHost }, to: { lan: Lan; host: LanHost }, text: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await send(from.lan, from.host, text);
  await waitFor(() => hasText(to.lan, to.host, text), { timeoutMs, intervalMs: 10, what: `"${text}" on ${to.host.name}` });
  return performance.now() - started;
}


/** The bridge's counters in GET /stats. */
export interface BridgeCounters { bridgePublished: number; bridgeReceived: number; bridgeRejected: number; bridgeCaughtUp: number }

export async function bridgeCounters(lan: Lan, host: LanHost): Promise<BridgeCounters> {
  const { body } = await lan.http(host, "/stats");
  const total = (body as { total: Partial<BridgeCounters> }).total;
  const read = (key: keyof BridgeCounters) => {
    const value = total[key];
    if (typeof value !== "number") throw new Error(`GET /stats on ${host.name}: total.${key} is ${JSON.stringify(value)}`);
    return value;
  };
  return { bridgePublished: read("bridgePublished"), bridgeReceived: read("bridgeReceived"), bridgeRejected: read("bridgeRejected"), bridgeCaughtUp: read("bridgeCaughtUp") };
}
