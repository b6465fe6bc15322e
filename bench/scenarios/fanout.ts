// Scenario 4 (fan-out): a full mesh of N; one peer sends through its HTTP API at rising rates,
// each rate for a few seconds. A rate is sustained when the sends keep pace (the API answers them
// as fast as they are offered), every message reaches every other peer (each of its N-1 acks is
// seen on the wire), and p99 delivery to all others stays under a second (no backlog growing).
import { Worker } from "node:worker_threads";
import { withLan, type LanHost } from "../../test/lan/netns.js";
import { Capture } from "../capture.js";
import { sleep, until } from "../clock.js";
import { subnetOf, type Impl } from "../impl.js";
import { cpuMeter, machineMeter } from "../proc.js";
import type { SenderJob, SenderResult } from "./fanout-sender.js";
import { round, summarize, type Summary } from "../stats.js";
import { assertAlive, formMesh, roundSummary } from "./mesh.js";

export interface FanoutStep {
  offeredRate: number;
  messages: number;
  /** Messages answered 200 per second, over the whole step. */
  sendRate: number;
  failedSends: number;
  /** Messages that reached every other peer. */
  delivered: number;
  /** Send -> in all N-1 other histories (ms). */
  toAll: Summary;
  /** Last ack seen minus last send (ms): how long the backlog took to drain. */
  drainMs: number;
  /**
   * new_message frames of this step's messages seen on the LAN, from any peer, per message sent:
   * N-1 when only the sender sends them (a relay would add more: src/peers/relay.ts). Optional
   * only because results written before it was measured lack it.
   */
  framesPerMessage?: number;
  senderCpuPercent: number;
  /** How busy all cores of the machine were during the step, and the harness itself (one core). */
  machineCpuPercent: number;
  harnessCpuPercent: number;
  sustained: boolean;
  why: string;
}

export interface FanoutResult {
  impl: Impl;
  n: number;
  /** The highest offered rate sustained (0 if none). */
  sustainedRate: number;
  steps: FanoutStep[];
  capture: { gaps: number; kernelDrops: number | undefined };
}

export interface FanoutOptions {
  n: number;
  rates: number[];
  stepSeconds: number;
  maxMessages: number;
  meshTimeoutMs: number;
  log: (line: string) => void;
}

/** Offered rate kept within this fraction counts as keeping pace. */
const PACE = 0.95;
const MAX_P99_MS = 1_000;
/**
 * Requests in flight at once; beyond it the client waits, and the achieved rate shows it. At most
 * the connections p2pchat admits from one other host (16, src/http/admission.ts): with more, the
 * sends beyond it were refused, and the run measured the admission instead of the fan-out.
 */
const MAX_IN_FLIGHT = 16;

export async function runFanout(impl: Impl, options: FanoutOptions): Promise<FanoutResult> {
  return withLan({ hosts: options.n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    try {
      const hosts = lan.hosts;
      const sender = hosts[0]!;
      const mesh = await formMesh(lan, impl, capture, options.meshTimeoutMs);
      if (!mesh.formed) throw new Error(`${impl}: no full mesh of ${options.n} within ${options.meshTimeoutMs} ms`);
      await sleep(1_000);
      const steps: FanoutStep[] = [];
      let sustainedRate = 0;
      for (const rate of options.rates) {
        const step = await runStep(impl, rate, options, capture, sender, hosts.length - 1, mesh.processes[0]!.pid);
        steps.push(step);
        options.log(`${impl} fan-out N=${options.n} at ${rate}/s: sent ${step.sendRate}/s, delivered ${step.delivered}/${step.messages}, new_message frames per message ${step.framesPerMessage} (N-1 = ${options.n - 1}), to all p99 ${step.toAll.p99} ms, drain ${step.drainMs} ms, CPU: sender ${step.senderCpuPercent} %, machine ${step.machineCpuPercent} % of all cores: ${step.sustained ? "sustained" : `not sustained (${step.why})`}`);
        if (!step.sustained) break;
        sustainedRate = rate;
        assertAlive(mesh.processes, "the fan-out run");
        await sleep(1_000);
      }
      const result = await capture.stop();
      return { impl, n: options.n, sustainedRate, steps, capture: { gaps: result.stats.gaps, kernelDrops: result.stats.kernelDrops } };
    } finally {
      capture.kill();
    }
  });
}

async function runStep(
  impl: Impl, rate: number, options: FanoutOptions, capture: Capture, sender: LanHost,
  receivers: number, senderPid: number,
): Promise<FanoutStep> {
  const messages = Math.min(options.maxMessages, Math.max(50, Math.round(rate * options.stepSeconds)));
  const acks = new Map<string, Map<string, number>>();
  let lastAck = 0;
  let newMessageFrames = 0;
  const stop = capture.onEvent((event) => {
    if (event.kind === "new-message" && acks.has(event.text)) newMessageFrames++;
    if (event.kind !== "ack" || !event.ok || event.client !== sender.address) return;
    const receiversOf = acks.get(event.text);
    if (receiversOf && !receiversOf.has(event.server)) {
      receiversOf.set(event.server, event.time);
      lastAck = Math.max(lastAck, event.time);
    }
  });
  const meter = cpuMeter([senderPid]);
  const machine = machineMeter();
  const texts = Array.from({ length: messages }, (_, k) => `fan-out ${impl} ${rate}/s #${k} ${"x".repeat(24)}`);
  // Known before the first is sent, so that the capture can tell each frame's message at once.
  for (const text of texts) acks.set(text, new Map());
  const { records, startAt: t0 } = await sendFromWorker({ address: sender.address, texts, rate, maxInFlight: MAX_IN_FLIGHT });
  const lastAnswer = Math.max(...records.map((r) => r.time + (Number.isFinite(r.httpMs) ? r.httpMs : 0)));
  const sendSeconds = (lastAnswer - t0) / 1000;
  const everywhere = () => [...acks.values()].every((m) => m.size >= receivers);
  await until(everywhere, 5_000, 20);
  await sleep(100);
  stop();
  const senderCpu = meter().percent[0]!;
  const { machinePercent, harnessPercent } = machine();

  const toAll: number[] = [];
  let delivered = 0;
  for (const record of records) {
    const got = acks.get(record.text)!;
    if (got.size >= receivers) {
      delivered++;
      toAll.push(Math.max(...got.values()) - record.time);
    }
  }
  const ok = records.filter((r) => r.status === 200);
  const sendRate = ok.length / sendSeconds;
  const summary = roundSummary(summarize(toAll));
  const lastSend = Math.max(...records.map((r) => r.time));
  const reasons: string[] = [];
  if (ok.length < messages) reasons.push(`${messages - ok.length} sends failed`);
  if (sendRate < rate * PACE) reasons.push(`the API answered only ${round(sendRate)} sends/s`);
  if (delivered < messages) reasons.push(`${messages - delivered} messages missing somewhere`);
  if (!(summary.p99 <= MAX_P99_MS)) reasons.push(`p99 to all ${summary.p99} ms`);
  return {
    offeredRate: rate,
    messages,
    sendRate: round(sendRate),
    failedSends: messages - ok.length,
    delivered,
    toAll: summary,
    drainMs: round(Math.max(0, lastAck - lastSend)),
    framesPerMessage: round(newMessageFrames / messages),
    senderCpuPercent: round(senderCpu),
    machineCpuPercent: round(machinePercent),
    harnessCpuPercent: round(harnessPercent),
    sustained: reasons.length === 0,
    why: reasons.join(", "),
  };
}

/** Runs the step's sends on a thread of their own (scenarios/fanout-sender.ts says why). */
function sendFromWorker(job: SenderJob): Promise<SenderResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./fanout-sender.js", import.meta.url), { workerData: job });
    worker.once("message", (answer: SenderResult | { error: string }) => {
      if ("error" in answer) reject(new Error(`the fan-out's sender failed: ${answer.error}`));
      else resolve(answer);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the fan-out's sender exited (${code}) before it answered`)));
  });
}
