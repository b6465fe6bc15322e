// Scenario 3 (ingest): one peer under test receives new_message on 4 connections, from 4 virtual
// peers (bench/loadgen.ts) that each send their next message as soon as the previous one is
// acked (docs/protocol.md "What real peers do": one frame, then wait for the ack). Messages/s over a
// measuring window after a warm-up, and the CPU the peer and the load generator used meanwhile.
// The same load against the bare Node.js ack server of the floor scenario is the ceiling: what
// the load generator and the machine allow at all.
import { withLan, type Lan, type LanHost, type LanProcess } from "../../test/lan/netns.js";
import { httpUp } from "../../test/lan/scenario.js";
import { addVirtualAddresses } from "../addresses.js";
import { sleep } from "../clock.js";
import { startPeer, type Impl } from "../impl.js";
import { cpuMeter, machineMeter, rssMb } from "../proc.js";
import { round, type Summary } from "../stats.js";
import { NODE_SERVER } from "./floor.js";
import { LoadgenProcess } from "./loadgen-process.js";
import { roundSummary } from "./mesh.js";

export interface IngestResult {
  /** "bare-node": the ceiling run against a server that only acks. */
  impl: Impl | "bare-node";
  connections: number;
  messagesPerSecond: number;
  acked: number;
  refused: number;
  seconds: number;
  /** new_message -> its ack, as the sender sees it (ms). */
  rttMs: Summary;
  peerCpuPercent: number;
  loadgenCpuPercent: number;
  /** How busy all cores of the machine were while measuring. */
  machineCpuPercent: number;
  rssAfterMb: number;
}

export interface IngestOptions {
  connections: number;
  warmupMs: number;
  durationMs: number;
  log: (line: string) => void;
}

export async function runIngest(impl: Impl | "bare-node", options: IngestOptions): Promise<IngestResult> {
  return withLan({ hosts: 2 }, async (lan) => {
    const [target, load] = [lan.hosts[0]!, lan.hosts[1]!];
    const virtual = await addVirtualAddresses(load, [target], options.connections, { onLink: true });
    try {
      let peer: LanProcess;
      if (impl === "bare-node") {
        peer = lan.spawn(target, process.execPath, [NODE_SERVER, "9876", target.address], { name: `${target.name}-bare-node` });
        await waitForOutput(peer, /^\d+$/m);
      } else {
        peer = startPeer(lan, target, impl, `${impl}-under-test`);
        await httpUp(lan, target);
      }
      return await drive(lan, load, target, virtual.addresses, peer, impl, options);
    } finally {
      await virtual.release();
    }
  });
}

async function drive(
  lan: Lan, load: LanHost, target: LanHost, addresses: string[], peer: LanProcess, impl: IngestResult["impl"], options: IngestOptions,
): Promise<IngestResult> {
  const loadgen = new LoadgenProcess(lan, load, {
    mode: "ingest",
    target: target.address,
    addresses,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    textBytes: 40,
  });
  await loadgen.next("connected", 15_000);
  await loadgen.next("measure-start", options.warmupMs + 10_000);
  const meter = cpuMeter([peer.pid]);
  const machine = machineMeter();
  const end = await loadgen.next("measure-end", options.durationMs + 10_000);
  const peerCpu = meter().percent[0]!;
  const { machinePercent } = machine();
  const rss = rssMb(peer.pid);
  await loadgen.next("done", 10_000);
  const rate = round(end.rate as number);
  options.log(`${impl}: ${rate} messages/s on ${options.connections} connections (peer CPU ${round(peerCpu)} %, load generator CPU ${String(end.loadgenCpuPercent)} %, machine ${round(machinePercent)} % of all cores)`);
  return {
    impl,
    connections: options.connections,
    messagesPerSecond: rate,
    acked: end.acked as number,
    refused: end.refused as number,
    seconds: round(end.seconds as number),
    rttMs: roundSummary(end.rttMs as Summary),
    peerCpuPercent: round(peerCpu),
    loadgenCpuPercent: end.loadgenCpuPercent as number,
    machineCpuPercent: round(machinePercent),
    rssAfterMb: round(rss),
  };
}

async function waitForOutput(process: LanProcess, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!pattern.test(process.output())) {
    if (performance.now() > deadline) throw new Error(`${process.name} did not start: ${process.output().slice(-500)}`);
    await sleep(10);
  }
}
