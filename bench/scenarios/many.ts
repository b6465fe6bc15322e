// Scenario 6 (one node, many peers): one peer under test and M virtual peers (bench/loadgen.ts),
// each on its own address in one namespace. They say hello by UDP, as peers do at start; the peer
// under test answers and connects to each, and each connects to it: 2M connections. Then messages
// sent through the peer's /send must reach all M. Time to connect all, fan-out latency, RSS.
import { withLan } from "../../test/lan/netns.js";
import { httpUp } from "../../test/lan/scenario.js";
import { addVirtualAddresses } from "../addresses.js";
import { startPeer, type Impl } from "../impl.js";
import { rssMb, threads } from "../proc.js";
import { round, type Summary } from "../stats.js";
import { LoadgenProcess } from "./loadgen-process.js";
import { roundSummary } from "./mesh.js";

export interface ManyResult {
  impl: Impl;
  m: number;
  /** All 2M connections up (ms from the first hello), if they all came. */
  connectAllMs: number | undefined;
  /** Half of the 2M connections up (ms). */
  connectHalfMs: number;
  outbound: number;
  inbound: number;
  fanout?: {
    messages: number;
    rate: number;
    failedSends: number;
    incomplete: number;
    /** Send -> the last of the M has it (ms), per message. */
    toAll: Summary;
    /** Send -> one virtual peer has it (ms), per (message, peer). */
    toEach: Summary;
  };
  rssIdleMb: number;
  rssConnectedMb: number;
  rssAfterFanoutMb: number;
  threads: number;
}

export interface ManyOptions {
  m: number;
  messages: number;
  rate: number;
  connectTimeoutMs: number;
  log: (line: string) => void;
}

export async function runMany(impl: Impl, options: ManyOptions): Promise<ManyResult> {
  return withLan({ hosts: 2 }, async (lan) => {
    const [target, load] = [lan.hosts[0]!, lan.hosts[1]!];
    const virtual = await addVirtualAddresses(load, [target], options.m);
    try {
      const peer = startPeer(lan, target, impl, `${impl}-under-test`);
      await httpUp(lan, target);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const rssIdle = rssMb(peer.pid);
      const loadgen = new LoadgenProcess(lan, load, {
        mode: "many",
        target: target.address,
        addresses: virtual.addresses,
        broadcast: lan.broadcast,
        burst: 10,
        burstGapMs: 10,
        reannounceMs: 1_000,
        connectTimeoutMs: options.connectTimeoutMs,
        messages: options.messages,
        rate: options.rate,
        deliveryTimeoutMs: 15_000,
        holdMs: 1_000,
      });
      await loadgen.next("listening", 30_000);
      const connected = await loadgen.next("connected", options.connectTimeoutMs + 15_000);
      const rssConnected = rssMb(peer.pid);
      const threadCount = threads(peer.pid);
      const complete = connected.complete === true;
      options.log(`${impl} M=${options.m}: ${complete ? `all ${2 * options.m} connections in ${round(connected.ms as number)} ms` : `only ${String(connected.outbound)} out / ${String(connected.inbound)} in after ${round(connected.ms as number)} ms`}, RSS ${round(rssConnected)} MB`);
      let fanout: ManyResult["fanout"];
      if (complete && options.messages > 0) {
        const result = await loadgen.next("fan-out", 60_000);
        fanout = {
          messages: result.messages as number,
          rate: result.rate as number,
          failedSends: result.failedSends as number,
          incomplete: result.incomplete as number,
          toAll: roundSummary(result.toAllMs as Summary),
          toEach: roundSummary(result.toEachMs as Summary),
        };
        options.log(`${impl} M=${options.m}: fan-out of ${fanout.messages} at ${fanout.rate}/s, to all ${options.m} p50 ${fanout.toAll.p50} ms, p99 ${fanout.toAll.p99} ms${fanout.incomplete ? `, ${fanout.incomplete} incomplete` : ""}`);
      }
      await loadgen.next("holding", 30_000);
      const rssAfter = rssMb(peer.pid);
      await loadgen.next("done", 10_000);
      return {
        impl,
        m: options.m,
        connectAllMs: complete ? round(connected.ms as number) : undefined,
        connectHalfMs: round(connected.halfMs as number),
        outbound: connected.outbound as number,
        inbound: connected.inbound as number,
        fanout,
        rssIdleMb: round(rssIdle),
        rssConnectedMb: round(rssConnected),
        rssAfterFanoutMb: round(rssAfter),
        threads: threadCount,
      };
    } finally {
      await virtual.release();
    }
  });
}
