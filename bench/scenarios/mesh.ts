// Scenario 1 (mesh formation) and 5 (footprint): N peers started at once on N hosts; the time
// until every ordered pair has a working connection (the server answered the client's hello, seen
// on the wire), then RSS of every peer once idle and, optionally, CPU over an idle window.
import { withLan, type Lan, type LanHost, type LanProcess } from "../../test/lan/netns.js";
import { meshIsFull } from "../../test/lan/scenario.js";
import { Capture } from "../capture.js";
import { nowMs, sleep, until } from "../clock.js";
import { startPeer, subnetOf, type Impl } from "../impl.js";
import { idleMeter, memoryMb, rssMb, threads } from "../proc.js";
import { median, round, summarize, type Summary } from "../stats.js";

export interface MeshResult {
  impl: Impl;
  n: number;
  /** Which round of the run this was, from 1 (bench/plan.ts mesh.rounds); absent: the only one. */
  round?: number;
  /** First process started -> last pair connected (ms); undefined if the mesh never formed. */
  meshMs: number | undefined;
  /** The last peer's first UDP hello on the wire -> last pair connected (ms). */
  fromLastStartMs: number | undefined;
  /** Per peer: process started -> its first UDP hello on the wire (ms). */
  startup: Summary;
  /** Ordered pairs connected / needed, at the end of the wait. */
  pairs: number;
  pairsNeeded: number;
  /** `ss` in every namespace agreed: one inbound and one outbound connection per pair. */
  verified: boolean;
  rssMb: { median: number; max: number; perPeer: number[] };
  /** Median PSS and USS per peer (MB): RSS with the shared runtime code split among the peers. */
  pssMb: number;
  ussMb: number;
  threads: number;
  /** % of one core per peer over the idle window (median and max), if measured. */
  /** CPU per peer over the idle window, to the nanosecond (bench/proc.ts idleMeter), and how
   *  often a peer's threads were woken: what a peer pays per wake-up tells apart doing more
   *  work each time from waking more often. */
  idleCpu?: { seconds: number; medianPercent: number; maxPercent: number; totalPercent: number; wakeUpsPerSecond: number; usPerWakeUp: number };
}

export interface MeshOptions {
  /** Give up on the mesh after this long (ms). */
  timeoutMs: number;
  /** Measure CPU over this idle window (s) after the mesh, if set. */
  idleCpuSeconds?: number;
  /** Idle time after the mesh before RSS is read (ms). */
  settleMs: number;
  log: (line: string) => void;
}

/** What formMesh() saw: when each peer started and said its first hello, and when pairs connected. */
export interface MeshFormation {
  processes: LanProcess[];
  /** nowMs() as each process was started. */
  started: number[];
  /** Wire time of each host's first UDP hello (by address). */
  firstHello: Map<string, number>;
  /** Ordered pairs "client>server" whose hello was answered, with the wire time it was. */
  connected: Map<string, number>;
  lastPairAt: number;
  formed: boolean;
  needed: number;
}

/** What the wire shows of peers meeting, from when watchPairs() was called until stop(). */
export interface PairWatch {
  /** Wire time of each host's first UDP hello (by address). */
  firstHello: Map<string, number>;
  /** Ordered pairs "client>server" of the watched addresses whose hello was answered, with the wire time it was. */
  connected: Map<string, number>;
  /** Wire time of the newest pair. */
  lastPairAt: number;
  stop(): void;
}

export function watchPairs(capture: Capture, addresses: ReadonlySet<string>): PairWatch {
  const watch: PairWatch = { firstHello: new Map(), connected: new Map(), lastPairAt: 0, stop: () => {} };
  watch.stop = capture.onEvent((event) => {
    if (event.kind === "udp-hello" && !watch.firstHello.has(event.from)) watch.firstHello.set(event.from, event.time);
    if (event.kind === "hello-reply" && addresses.has(event.client) && addresses.has(event.server)) {
      const pair = `${event.client}>${event.server}`;
      if (!watch.connected.has(pair)) {
        watch.connected.set(pair, event.time);
        watch.lastPairAt = event.time;
      }
    }
  });
  return watch;
}

/**
 * Starts one peer per host (every host of the LAN, or those given) and waits (up to timeoutMs)
 * until every ordered pair of them is connected.
 */
export async function formMesh(lan: Lan, impl: Impl, capture: Capture, timeoutMs: number,
  hosts: readonly LanHost[] = lan.hosts): Promise<MeshFormation> {
  const watch = watchPairs(capture, new Set(hosts.map((h) => h.address)));
  const formation: MeshFormation = {
    processes: [],
    started: [],
    firstHello: watch.firstHello,
    connected: watch.connected,
    lastPairAt: 0,
    formed: false,
    needed: hosts.length * (hosts.length - 1),
  };
  try {
    for (const [i, host] of hosts.entries()) {
      formation.started.push(nowMs());
      formation.processes.push(startPeer(lan, host, impl, `${impl}-${i + 1}`));
    }
    formation.formed = await until(
      () => formation.connected.size >= formation.needed && formation.firstHello.size >= hosts.length,
      timeoutMs,
      5,
    );
  } finally {
    watch.stop();
    formation.lastPairAt = watch.lastPairAt;
  }
  return formation;
}

/** "Last start": the wire time of the last of `hosts`' first hellos (NaN if one never said it). */
export function lastFirstHello(mesh: Pick<MeshFormation, "firstHello">, hosts: readonly LanHost[]): number {
  return Math.max(...hosts.map((h) => mesh.firstHello.get(h.address) ?? NaN));
}

/** The address whose first hello was on the wire at `time` (lastFirstHello()'s: the last peer up). */
export function firstHelloAt(mesh: Pick<MeshFormation, "firstHello">, time: number): string | undefined {
  return [...mesh.firstHello].find(([, at]) => at === time)?.[0];
}

/** Throws if any of the processes has exited (a peer that died makes every figure after it void). */
export function assertAlive(processes: readonly LanProcess[], what: string): void {
  const dead = processes.find((p) => (p as { done?: boolean }).done);
  if (dead) throw new Error(`${dead.name} exited during ${what}; its last output:\n${dead.output().slice(-800)}`);
}

export async function runMesh(impl: Impl, n: number, options: MeshOptions): Promise<MeshResult> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    try {
      const hosts = lan.hosts;
      const mesh = await formMesh(lan, impl, capture, options.timeoutMs);
      const { started, firstHello, connected, formed, needed, processes } = mesh;
      const lastStart = lastFirstHello(mesh, hosts);
      // A lone peer is "meshed" once it is up (its first hello).
      const lastPairAt = n === 1 ? lastStart : mesh.lastPairAt;
      const meshMs = formed ? lastPairAt - started[0]! : undefined;
      const startup = summarize(hosts.map((h, i) => (firstHello.get(h.address) ?? NaN) - started[i]!).filter(Number.isFinite));
      let verified = false;
      if (formed) {
        // The wire says every hello was answered; the sockets must say the same, and stay so.
        for (let i = 0; i < 20 && !verified; i++) {
          verified = n === 1 || (await meshIsFull(lan, hosts));
          if (!verified) await sleep(250);
        }
      }
      options.log(`${impl} N=${n}: ${formed ? `mesh ${round(meshMs!)} ms after the first start, ${round(lastPairAt - lastStart)} ms after the last peer's first hello (startup p50 ${round(startup.p50)} ms)` : `no mesh in ${options.timeoutMs} ms (${connected.size}/${needed} pairs)`}${formed && !verified ? " (ss disagrees)" : ""}`);

      await sleep(options.settleMs);
      const pids = processes.map((p) => p.pid);
      const perPeer = pids.map(rssMb).map(round);
      const memory = pids.map(memoryMb);
      let idleCpu: MeshResult["idleCpu"];
      if (options.idleCpuSeconds) {
        const meter = idleMeter(pids);
        await sleep(options.idleCpuSeconds * 1000);
        const { readings, seconds } = meter();
        const percent = readings.map((r) => r.percent);
        const wakeUps = median(readings.map((r) => r.wakeUpsPerSecond));
        idleCpu = {
          seconds: round(seconds),
          medianPercent: round(median(percent)),
          maxPercent: round(Math.max(...percent)),
          totalPercent: round(percent.reduce((a, b) => a + b, 0)),
          wakeUpsPerSecond: round(wakeUps),
          // % of a core is 10 ms of CPU per second: µs per wake-up = % × 10,000 / wake-ups a second.
          usPerWakeUp: round(wakeUps > 0 ? (median(percent) * 10_000) / wakeUps : NaN),
        };
      }
      assertAlive(processes, `the N=${n} mesh run`);
      return {
        impl,
        n,
        meshMs: meshMs === undefined ? undefined : round(meshMs),
        fromLastStartMs: formed ? round(n === 1 ? 0 : lastPairAt - lastStart) : undefined,
        startup: roundSummary(startup),
        pairs: connected.size,
        pairsNeeded: needed,
        verified,
        rssMb: { median: round(median(perPeer)), max: round(Math.max(...perPeer)), perPeer },
        pssMb: round(median(memory.map((m) => m.pss))),
        ussMb: round(median(memory.map((m) => m.uss))),
        threads: median(pids.map(threads)),
        idleCpu,
      };
    } finally {
      capture.kill();
    }
  });
}

export function roundSummary(s: Summary): Summary {
  return {
    count: s.count,
    min: round(s.min),
    p50: round(s.p50),
    p90: round(s.p90),
    p99: round(s.p99),
    max: round(s.max),
    mean: round(s.mean),
  };
}
