// The bridge's latency: two sites whose LANs have no route to each other, joined only by their
// bridge hosts' p2pchats over libp2p on a shared segment (test/lan/bridge-sites.ts). On each site
// two reference peers and the bridge host form the LAN's mesh. Reference peer 1 of one site sends
// at a fixed rate through its /send; each message is timed, on the wire of both LANs, until
//   - the other reference peer of its own site has it: the baseline, the same kind of hop within one LAN;
//   - its own site's bridge host has it (the first hop of the way across);
//   - the other site's bridge host forwards it on its LAN (so it has it: the libp2p hop done);
//   - both reference peers of the other site have it (across, end to end).
// Then the same from the other site. "Has it" is the receiver's ack leaving it (bench/wire.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { dialAddress, withBridgeSites, type BridgeSite, type BridgeSites } from "../../test/lan/bridge-sites.js";
import { bridgeId, waitConnected } from "../../test/lan/bridge-steps.js";
import type { LanHost } from "../../test/lan/netns.js";
import { meshIsFull } from "../../test/lan/scenario.js";
import { waitFor } from "../../test/support/wait.js";
import { Capture } from "../capture.js";
import { sleep, until } from "../clock.js";
import { sendAtRate, type SendRecord } from "../send.js";
import { roundSummary } from "./mesh.js";
import { round, summarize, type Summary } from "../stats.js";

export interface BridgeDirection {
  /** "A → B": sent on site `from`, received on site `to`. */
  from: string;
  to: string;
  /** Send -> the other reference peer of the sender's own site has it (the baseline). */
  withinSite: Summary;
  /** Send -> the sender's own bridge host has it. */
  toOwnBridgeHost: Summary;
  /** Send -> the other site's bridge host forwards it on its LAN. */
  toOtherBridgeHost: Summary;
  /** Send -> both reference peers of the other site have it. */
  across: Summary;
  /** Messages that did not reach both reference peers of the other site within 10 s of the last send. */
  undelivered: number;
  failedSends: number;
}

export interface BridgeResult {
  messages: number;
  rate: number;
  /** From starting the second bridge host until both bridges show each other connected (ms). */
  roomMs: number;
  directions: BridgeDirection[];
  capture: { gaps: number; kernelDrops: number | undefined };
}

export interface BridgeOptions {
  warmupMessages: number;
  messages: number;
  rate: number;
  log: (line: string) => void;
}

interface Site {
  site: BridgeSite;
  sender: LanHost;
  peer: LanHost;
}

export async function runBridge(options: BridgeOptions): Promise<BridgeResult> {
  return withBridgeSites({ names: ["a", "b"], others: 2 }, async (sites) => {
    const [a, b] = sites.sites.map((site) => ({ site, sender: site.others[0]!, peer: site.others[1]! })) as [Site, Site];
    const captures = await Promise.all([a, b].map((s) => Capture.start({ subnet: s.site.lan.subnet })));
    try {
      const roomMs = await formRoom(sites, a, b);
      await sleep(1_000); // past start-up, as a chat is most of the time

      // text -> receiver address -> wire time of its ack; text -> wire time a bridge host forwarded it.
      const acks = new Map<string, Map<string, number>>();
      const forwarded = new Map<string, Map<string, number>>();
      const stops = captures.map((capture) => capture.onEvent((event) => {
        if (event.kind === "ack" && event.ok) acks.get(event.text)?.set(event.server, event.time);
        if (event.kind === "new-message" && !forwarded.get(event.text)?.has(event.client)) forwarded.get(event.text)?.set(event.client, event.time);
      }));
      const expect = (text: string) => {
        acks.set(text, new Map());
        forwarded.set(text, new Map());
      };
      const directions: BridgeDirection[] = [];
      for (const [from, to, label] of [[a, b, "A → B"], [b, a, "B → A"]] as const) {
        await sendAtRate([from.sender], `warm-up ${label}`, options.warmupMessages, options.rate, expect);
        const records = await sendAtRate([from.sender], `bridge ${label}`, options.messages, options.rate, expect);
        const receivers = [to.sender.address, to.peer.address];
        await until(() => records.every((r) => receivers.every((x) => acks.get(r.text)!.has(x))), 10_000, 20);
        await sleep(200); // the captures deliver what they hold
        const direction = measure(records, acks, forwarded, from, to);
        directions.push({ from: label.split(" → ")[0]!, to: label.split(" → ")[1]!, ...direction });
        options.log(`bridge ${label}: ${options.messages} messages at ${options.rate}/s from a reference peer: within its site p50 ${direction.withinSite.p50} / p99 ${direction.withinSite.p99} ms, ` +
          `across to both reference peers p50 ${direction.across.p50} / p99 ${direction.across.p99} ms${direction.undelivered ? `, ${direction.undelivered} not delivered` : ""}`);
      }
      for (const stop of stops) stop();
      const results = await Promise.all(captures.map((c) => c.stop()));
      return {
        messages: options.messages,
        rate: options.rate,
        roomMs: round(roomMs),
        directions,
        capture: {
          gaps: results.reduce((n, r) => n + r.stats.gaps, 0),
          kernelDrops: results.every((r) => r.stats.kernelDrops !== undefined) ? results.reduce((n, r) => n + r.stats.kernelDrops!, 0) : undefined,
        },
      };
    } finally {
      for (const capture of captures) capture.kill();
    }
  });
}

/** Starts both bridge hosts (B dials A, as the walk-through does) and the reference peers; waits
 *  for both LANs' meshes and the bridges; resolves with how long the bridges took to connect. */
async function formRoom(sites: BridgeSites, a: Site, b: Site): Promise<number> {
  // The per-peer rate limit ([HISTORY] peer_rate) would measure itself, not the path (bench/impl.ts).
  fs.mkdirSync(sites.shared.artifactsDir, { recursive: true });
  const config = path.join(sites.shared.artifactsDir, "bench.ini");
  fs.writeFileSync(config, "[HISTORY]\npeer_rate = 1000000\npeer_burst = 1000000\n");
  for (const s of [a, b]) {
    s.site.lan.spawnRefpeer(s.sender, { peerId: `ref-${s.site.name}1` });
    s.site.lan.spawnRefpeer(s.peer, { peerId: `ref-${s.site.name}2` });
  }
  sites.startBridge(a.site, { args: ["--config", config] });
  const aId = await bridgeId(sites, a.site, 30_000);
  const started = performance.now();
  sites.startBridge(b.site, { args: ["--config", config], peers: [dialAddress(a.site, aId)] });
  const bId = await bridgeId(sites, b.site, 30_000);
  await Promise.all([waitConnected(sites, a.site, [bId], 30_000), waitConnected(sites, b.site, [aId], 30_000)]);
  const roomMs = performance.now() - started;
  for (const s of [a, b]) {
    await waitFor(() => meshIsFull(s.site.lan, [s.site.host, s.sender, s.peer]), { timeoutMs: 30_000, intervalMs: 100, what: `site ${s.site.name}'s LAN mesh` });
  }
  return roomMs;
}

function measure(records: SendRecord[], acks: Map<string, Map<string, number>>, forwarded: Map<string, Map<string, number>>, from: Site, to: Site) {
  const withinSite: number[] = [];
  const toOwn: number[] = [];
  const toOther: number[] = [];
  const across: number[] = [];
  let undelivered = 0;
  for (const record of records.filter((r) => r.status === 200)) {
    const got = acks.get(record.text)!;
    const at = (address: string) => got.get(address);
    const local = at(from.peer.address);
    if (local !== undefined) withinSite.push(local - record.time);
    const own = at(from.site.host.address);
    if (own !== undefined) toOwn.push(own - record.time);
    const out = forwarded.get(record.text)!.get(to.site.host.address);
    if (out !== undefined) toOther.push(out - record.time);
    const far = [at(to.sender.address), at(to.peer.address)];
    if (far.every((t) => t !== undefined)) across.push(Math.max(...(far as number[])) - record.time);
    else undelivered++;
  }
  const summary = (values: number[]): Summary => roundSummary(summarize(values));
  return {
    withinSite: summary(withinSite),
    toOwnBridgeHost: summary(toOwn),
    toOtherBridgeHost: summary(toOther),
    across: summary(across),
    undelivered,
    failedSends: records.filter((r) => r.status !== 200).length,
  };
}


const fmt = (v: number) => (Number.isFinite(v) ? `${v.toLocaleString("en-US", { maximumFractionDigits: 3 })} ms` : "—");
const pair = (s: Summary) => `${fmt(s.p50).replace(" ms", "")} / ${fmt(s.p99)}`;

/** The report's section on the bridge (RESULTS.md), from its results. */
export function renderBridge(results: readonly BridgeResult[]): string[] {
  if (results.length === 0) return [];
  const r = results[0]!;
  const out = ["## 7. Across the bridge", ""];
  out.push(`Two sites whose LANs have no route to each other, joined only by one p2pchat bridge host each, over libp2p (gossipsub, pre-shared room key) on a segment the two bridge hosts share (\`test/lan/bridge-sites.ts\`); two reference peers and the bridge host on each site's LAN. ` +
    `A reference peer sends ${r.messages} messages at ${r.rate}/s through its \`/send\` (after a warm-up), then the same from the other site. Each is timed from the request until the receiver's ack leaves it, on the wire of both LANs. ` +
    `**Within its site** is the baseline: the same message reaching the other reference peer of the sender's own LAN. The two bridges connected ${fmt(r.roomMs)} after the second one was started.`);
  out.push("");
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  out.push(line(["direction", "within its site (baseline) p50 / p99", "to its own bridge host", "to the other site's bridge host", "across, to both reference peers", "not delivered"]));
  out.push(line(["---", "---", "---", "---", "---", "---"]));
  for (const result of results) {
    for (const d of result.directions) {
      out.push(line([`${d.from} → ${d.to}`, pair(d.withinSite), pair(d.toOwnBridgeHost), pair(d.toOtherBridgeHost), pair(d.across), String(d.undelivered + d.failedSends)]));
    }
  }
  out.push("");
  return out;
}
