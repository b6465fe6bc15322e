#!/usr/bin/env node
// How long a settled room takes to take one newcomer in, and what it costs: N-1 peers of one kind
// form a mesh and settle, then an Nth starts. Measured from its first hello on the wire until
// every pair with it is connected (the server answered the client's hello, seen on the wire),
// with the CPU the room and the newcomer spent, to the nanosecond. The mesh benchmark's "after
// the last start" also counts whatever of the room's own meshing is still going on when the last
// peer starts (its peers start one right after the other); this is the newcomer alone.
//
// Usage (root, after `npm run build`): node dist/bench/newcomer.js [--n 20] [--rounds 5]
//   [--settle 3] [--only p2pchat,refpeer,node-floor]   (BENCH_P2PCHAT_MAIN for another build)
//   [--pairs]   (each round's pairs with the newcomer, ms after its hello, in the order they connected)
import { parseArgs } from "node:util";
import { withLan, type LanProcess } from "../test/lan/netns.js";
import { sleep, until } from "./clock.js";
import { Capture } from "./capture.js";
import { IMPL_LABEL, startPeer, subnetOf, WITH_FLOOR, type Impl } from "./impl.js";
import { idleMeter } from "./proc.js";
import { formMesh, watchPairs } from "./scenarios/mesh.js";
import { raiseNeighbourLimits } from "./sysctl.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "20" },
    rounds: { type: "string", default: "5" },
    settle: { type: "string", default: "3" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    pairs: { type: "boolean", default: false },
  },
});
const n = Number(values.n);
const impls = values.only.split(",") as Impl[];

interface Intake {
  /** The newcomer's first hello on the wire -> its last pair connected, ms. */
  meshMs: number;
  /** CPU of the N-1 peers of the room over that time (from just before the newcomer started). */
  roomCpuMs: number;
  /** The newcomer's CPU from its start until then. */
  newcomerCpuMs: number;
  /** When each pair with the newcomer connected, ms after its hello, earliest first: the room's
   *  connections to it (it answered their hellos) and its own to the room (they answered). */
  pairs: { inbound: number[]; outbound: number[] };
}

/** CPU in ms of the processes an idleMeter() samples, since it was made. */
function cpuMsSince(meter: ReturnType<typeof idleMeter>): number {
  const { readings, seconds } = meter();
  return readings.reduce((sum, r) => sum + r.percent, 0) * 10 * seconds;
}

/**
 * Waits until the room's periodic hellos have just gone by: every peer of the room says hello every
 * 5 s, each from its own start, so they come as a burst as long as the room's starts were spread
 * (a second or so), and each of them is answered by every other peer. A newcomer started at a
 * fixed time after the mesh fell into that burst for some implementations and not for others,
 * and its intake was measured beside 19 × 18 answers. Now it starts 2.5 s after a burst began:
 * half an interval, in the quiet between two bursts.
 */
async function quietAfterHellos(capture: Capture, room: ReadonlySet<string>): Promise<void> {
  let heard = false;
  const stop = capture.onEvent((event) => {
    if (event.kind === "udp-hello" && room.has(event.from)) heard = true;
  });
  try {
    if (!(await until(() => heard, 10_000, 5))) throw new Error("the room said no hello within 10 s");
  } finally {
    stop();
  }
  await sleep(2_500);
}

/** Counts the room's own hellos from now until stop(). */
function countHellos(capture: Capture, room: ReadonlySet<string>): { count: number; stop(): void } {
  const counter = { count: 0, stop: () => {} };
  counter.stop = capture.onEvent((event) => {
    if (event.kind === "udp-hello" && room.has(event.from)) counter.count++;
  });
  return counter;
}

async function takeIn(impl: Impl): Promise<Intake> {
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    const room = lan.hosts.slice(0, -1);
    const host = lan.hosts.at(-1)!;
    const processes: LanProcess[] = [];
    try {
      const mesh = await formMesh(lan, impl, capture, 60_000, room);
      processes.push(...mesh.processes);
      if (!mesh.formed) throw new Error(`${impl}: no mesh of ${room.length} (${mesh.connected.size}/${mesh.needed} pairs)`);
      await sleep(Number(values.settle) * 1000);
      await quietAfterHellos(capture, new Set(room.map((h) => h.address)));
      const roomHellos = countHellos(capture, new Set(room.map((h) => h.address)));
      const watch = watchPairs(capture, new Set(lan.hosts.map((h) => h.address)));
      const roomMeter = idleMeter(mesh.processes.map((p) => p.pid));
      const newcomer = startPeer(lan, host, impl, `${impl}-${n}`);
      processes.push(newcomer);
      const newcomerMeter = idleMeter([newcomer.pid]);
      const itsPairs = room.flatMap((h) => [`${h.address}>${host.address}`, `${host.address}>${h.address}`]);
      const taken = await until(() => itsPairs.every((pair) => watch.connected.has(pair)), 60_000, 5);
      const roomCpuMs = cpuMsSince(roomMeter);
      const newcomerCpuMs = cpuMsSince(newcomerMeter);
      watch.stop();
      roomHellos.stop();
      // The room's own hellos in the window would be work beside the intake (each one answered by
      // every other peer of the room); the start is timed to miss them, and a round that did not is said.
      if (roomHellos.count > 0) console.log(`  (${roomHellos.count} of the room's own hellos fell in this round's window)`);
      if (!taken) throw new Error(`${impl}: the newcomer's ${itsPairs.length} pairs not within 60 s`);
      const hello = watch.firstHello.get(host.address);
      if (hello === undefined) throw new Error(`${impl}: the newcomer's hello was not seen`);
      const after = (pair: string) => watch.connected.get(pair)! - hello;
      const pairs = {
        inbound: room.map((h) => after(`${h.address}>${host.address}`)).sort((a, b) => a - b),
        outbound: room.map((h) => after(`${host.address}>${h.address}`)).sort((a, b) => a - b),
      };
      return { meshMs: Math.max(...itsPairs.map(after)), roomCpuMs, newcomerCpuMs, pairs };
    } finally {
      capture.kill();
      for (const p of processes) p.kill("SIGTERM");
      await Promise.all(processes.map((p) => p.exited));
    }
  });
}

const limits = raiseNeighbourLimits();
try {
  const results = new Map<Impl, Intake[]>(impls.map((impl) => [impl, []]));
  // In turn, round by round, so that the machine's drift falls on every implementation alike.
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const impl of impls) {
      const intake = await takeIn(impl);
      results.get(impl)!.push(intake);
      console.log(`${IMPL_LABEL[impl]}, a room of ${n - 1} takes in one more: hello → mesh ${intake.meshMs.toFixed(1)} ms; ` +
        `CPU of the room ${intake.roomCpuMs.toFixed(1)} ms (${(intake.roomCpuMs / (n - 1)).toFixed(2)} per peer), ` +
        `of the newcomer ${intake.newcomerCpuMs.toFixed(1)} ms from its start`);
      if (values.pairs) {
        const listed = (times: number[]) => times.map((t) => t.toFixed(1)).join(" ");
        console.log(`  the room's connections answered by the newcomer, ms after its hello: ${listed(intake.pairs.inbound)}`);
        console.log(`  the newcomer's connections answered by the room: ${listed(intake.pairs.outbound)}`);
      }
    }
  }
  for (const [impl, intakes] of results) {
    const m = (f: (i: Intake) => number) => median(intakes.map(f)).toFixed(1);
    console.log(`${IMPL_LABEL[impl]}, medians of ${intakes.length}: hello → mesh ${m((i) => i.meshMs)} ms, ` +
      `room ${m((i) => i.roomCpuMs)} ms, newcomer ${m((i) => i.newcomerCpuMs)} ms`);
  }
} finally {
  limits.restore();
}
