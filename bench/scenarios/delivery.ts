// Scenario 2 (delivery latency): a full mesh of N; messages sent at a fixed rate, round robin over
// the peers, each through the sender's HTTP API; for each message, the time from the /send
// request until the last of the N-1 others has it in its history (its ack leaves it, on the wire).
import { withLan, type LanHost } from "../../test/lan/netns.js";
import { Capture } from "../capture.js";
import { sleep, until } from "../clock.js";
import { subnetOf, type Impl } from "../impl.js";
import { cpuMs, rssMb } from "../proc.js";
import { sendAtRate, type SendRecord } from "../send.js";
import { median, round, summarize, type Summary } from "../stats.js";
import { assertAlive, formMesh, roundSummary } from "./mesh.js";

export interface DeliveryResult {
  impl: Impl;
  n: number;
  /** Which round of the run this was, from 1 (bench/plan.ts delivery.rounds); absent: the only one. */
  round?: number;
  messages: number;
  rate: number;
  /** Send -> in every other history (ms), over the messages that made it everywhere. */
  toAll: Summary;
  /** Send -> in one other history (ms), over every (message, receiver). */
  toEach: Summary;
  /** The /send request itself (ms). */
  http: Summary;
  /** Where each (message, receiver) latency went: from the /send request until the sender wrote
   *  the new_message on the wire, and from there until the receiver's ack left it (ms). */
  split?: { toWire: Summary; wireToAck: Summary };
  /** CPU of all N peers together over the measured messages, per message (ms): each message is
   *  one /send, N-1 new_message frames received and acked, and N-1 acks read by the sender. */
  cpuPerMessageMs?: number;
  /** Messages missing from at least one other history when the wait ended. */
  undelivered: number;
  failedSends: number;
  rssAfterMb: number;
  /** The warm-up messages: send -> in every other history (ms). */
  warmUp: Summary;
  /** Send -> in every other history (ms) of each message in send order; null = not everywhere. */
  series: Array<number | null>;
  capture: { gaps: number; kernelDrops: number | undefined };
}

export interface DeliveryOptions {
  /** Sent first and reported apart (warmUp), not in the figures. */
  warmupMessages: number;
  /** The warm-up's messages/s: the measured rate, or faster, to reach every peer's steady state
   *  (V8 optimises a function only after some thousand runs) before the measured messages. */
  warmupRate: number;
  messages: number;
  rate: number;
  meshTimeoutMs: number;
  log: (line: string) => void;
  /** Called with the peers' pids before the measured messages; what it returns is awaited after
   *  them (bench/sender-trace.ts records the peers' system calls over the measured messages,
   *  bench/room-profile.ts their CPU samples and TCP counters). */
  whileMeasured?: (pids: readonly number[]) => Promise<() => Promise<void>>;
}

export async function runDelivery(impl: Impl, n: number, options: DeliveryOptions): Promise<DeliveryResult> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    try {
      const hosts = lan.hosts;
      const mesh = await formMesh(lan, impl, capture, options.meshTimeoutMs);
      if (!mesh.formed) throw new Error(`${impl}: no full mesh of ${n} within ${options.meshTimeoutMs} ms`);
      await sleep(1_000); // past start-up: every peer idle, as a chat is most of the time

      // text -> receiver address -> wire time of its ack
      const acks = new Map<string, Map<string, number>>();
      // text -> receiver address -> wire time of the new_message that ack answered
      const sentOnWire = new Map<string, Map<string, number>>();
      const stop = capture.onEvent((event) => {
        if (event.kind !== "ack" || !event.ok) return;
        acks.get(event.text)?.set(event.server, event.time);
        let sent = sentOnWire.get(event.text);
        if (!sent) sentOnWire.set(event.text, (sent = new Map()));
        sent.set(event.server, event.sentTime);
      });
      // A warm-up first: peers that just started compile their hot paths (V8's JIT) during their
      // first thousand or so messages, once per process; a chat has been running for a while.
      const expect = (text: string) => acks.set(text, new Map());
      const warmup = await sendAtRate(hosts, `warm-up ${impl} N${n}`, options.warmupMessages, options.warmupRate, expect);
      await sleep(500);
      const stopWatching = await options.whileMeasured?.(mesh.processes.map((p) => p.pid));
      const cpu = () => mesh.processes.reduce((sum, p) => sum + cpuMs(p.pid), 0);
      const cpuBefore = cpu();
      const measured = await sendAtRate(hosts, `delivery ${impl} N${n}`, options.messages, options.rate, expect);
      // The measured messages only: a warm-up message that some peer refused (two peers that
      // stamped one millisecond, E_ID_CLASH) is never everywhere, and waiting for it added 10 s of
      // idle to the CPU counted over the measured messages.
      const everywhere = () => measured.every((record) => (acks.get(record.text)?.size ?? 0) >= n - 1);
      await until(everywhere, 10_000, 20);
      const cpuPerMessageMs = round((cpu() - cpuBefore) / options.messages);
      await stopWatching?.();
      await sleep(200); // the capture delivers what it holds
      stop();

      const latencies = (records: SendRecord[]) => {
        const toAll: number[] = [];
        const toEach: number[] = [];
        const series: Array<number | null> = [];
        let undelivered = 0;
        for (const record of records) {
          const receivers = acks.get(record.text)!;
          for (const [receiver, time] of receivers) if (receiver !== record.sender) toEach.push(time - record.time);
          const others = hosts.filter((h) => h.address !== record.sender);
          if (others.every((h) => receivers.has(h.address))) {
            toAll.push(Math.max(...others.map((h) => receivers.get(h.address)!)) - record.time);
            series.push(round(toAll[toAll.length - 1]!));
          } else {
            undelivered++;
            series.push(null);
          }
        }
        return { toAll, toEach, series, undelivered };
      };
      const { toAll, toEach, series, undelivered } = latencies(measured);
      const toWire: number[] = [];
      const wireToAck: number[] = [];
      for (const record of measured) {
        for (const [receiver, time] of acks.get(record.text)!) {
          const sent = sentOnWire.get(record.text)?.get(receiver);
          if (sent === undefined || receiver === record.sender) continue;
          toWire.push(sent - record.time);
          wireToAck.push(time - sent);
        }
      }
      const split = { toWire: roundSummary(summarize(toWire)), wireToAck: roundSummary(summarize(wireToAck)) };
      const records = measured;
      assertAlive(mesh.processes, `the N=${n} delivery run`);
      const rssAfter = median(mesh.processes.map((p) => rssMb(p.pid)));
      const all = roundSummary(summarize(toAll));
      const warmUp = roundSummary(summarize(latencies(warmup).toAll));
      options.log(`${impl} N=${n}: ${options.messages} messages at ${options.rate}/s, to all others p50 ${all.p50} ms, p99 ${all.p99} ms, max ${all.max} ms${undelivered ? `, ${undelivered} not everywhere` : ""} (warm-up p99 ${warmUp.p99} ms); ` +
        `request → on the wire p50 ${split.toWire.p50} / p99 ${split.toWire.p99} ms, wire → ack p50 ${split.wireToAck.p50} / p99 ${split.wireToAck.p99} ms; CPU of all peers per message ${cpuPerMessageMs} ms`);
      const result = await capture.stop();
      return {
        impl,
        n,
        messages: options.messages,
        rate: options.rate,
        toAll: all,
        toEach: roundSummary(summarize(toEach)),
        http: roundSummary(summarize(records.filter((r) => r.status === 200).map((r) => r.httpMs))),
        split,
        cpuPerMessageMs,
        undelivered,
        failedSends: records.filter((r) => r.status !== 200).length,
        rssAfterMb: round(rssAfter),
        warmUp,
        series,
        capture: { gaps: result.stats.gaps, kernelDrops: result.stats.kernelDrops },
      };
    } finally {
      capture.kill();
    }
  });
}
