// Scenario 1b: a newcomer to a settled room. N-1 peers of one kind form a mesh and settle, then
// an Nth starts; measured from its first hello on the wire until every pair with it is connected
// (the server answered the client's hello, seen on the wire), with the CPU the room and the
// newcomer spent, to the nanosecond. The mesh scenario's "after the last start" also counts
// whatever of the room's own meshing is still going on when the last peer starts (its peers start
// one right after the other); this is the newcomer alone.
import { withLan, type LanProcess } from "../../test/lan/netns.js";
import { sleep, until } from "../clock.js";
import { Capture } from "../capture.js";
import { startPeer, subnetOf, type Impl } from "../impl.js";
import { idleMeter } from "../proc.js";
import { round } from "../stats.js";
import { formMesh, watchPairs } from "./mesh.js";

/** One newcomer taken in by a room of n - 1. */
export interface NewcomerRound {
  impl: Impl;
  /** Peers once the newcomer is in. */
  n: number;
  /** The newcomer's first hello on the wire -> its last pair connected, ms. */
  meshMs: number;
  /** CPU of the n - 1 peers of the room over that time (from just before the newcomer started), ms. */
  roomCpuMs: number;
  /** The newcomer's CPU from its start until then, ms. */
  newcomerCpuMs: number;
  /** The room's own periodic hellos seen in that window (the start is timed to miss them: 0). */
  roomHellos: number;
  /** When each pair with the newcomer connected, ms after its hello, earliest first: the room's
   *  connections to it (it answered their hellos) and its own to the room (they answered). */
  pairs: { inbound: number[]; outbound: number[] };
}

export interface NewcomerOptions {
  /** Peers once the newcomer is in. */
  n: number;
  /** Idle time after the room's mesh before the newcomer is timed (s). */
  settleSeconds: number;
  meshTimeoutMs: number;
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
  const heard = countHellos(capture, room);
  try {
    if (!(await until(() => heard.count > 0, 10_000, 5))) throw new Error("the room said no hello within 10 s");
  } finally {
    heard.stop();
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

/** One round: a room of n - 1 peers of `impl` forms and settles, then takes in one more. */
export async function runNewcomer(impl: Impl, options: NewcomerOptions): Promise<NewcomerRound> {
  const { n } = options;
  return withLan({ hosts: n }, async (lan) => {
    const capture = await Capture.start({ subnet: subnetOf(lan), udp: true });
    const room = lan.hosts.slice(0, -1);
    const host = lan.hosts.at(-1)!;
    const roomAddresses = new Set(room.map((h) => h.address));
    const processes: LanProcess[] = [];
    try {
      const mesh = await formMesh(lan, impl, capture, options.meshTimeoutMs, room);
      processes.push(...mesh.processes);
      if (!mesh.formed) throw new Error(`${impl}: no mesh of ${room.length} (${mesh.connected.size}/${mesh.needed} pairs)`);
      await sleep(options.settleSeconds * 1000);
      await quietAfterHellos(capture, roomAddresses);
      const roomHellos = countHellos(capture, roomAddresses);
      const watch = watchPairs(capture, new Set(lan.hosts.map((h) => h.address)));
      const roomMeter = idleMeter(mesh.processes.map((p) => p.pid));
      const newcomer = startPeer(lan, host, impl, `${impl}-${n}`);
      processes.push(newcomer);
      const newcomerMeter = idleMeter([newcomer.pid]);
      const itsPairs = room.flatMap((h) => [`${h.address}>${host.address}`, `${host.address}>${h.address}`]);
      const taken = await until(() => itsPairs.every((pair) => watch.connected.has(pair)), options.meshTimeoutMs, 5);
      const roomCpuMs = cpuMsSince(roomMeter);
      const newcomerCpuMs = cpuMsSince(newcomerMeter);
      watch.stop();
      roomHellos.stop();
      if (!taken) throw new Error(`${impl}: the newcomer's ${itsPairs.length} pairs not within ${options.meshTimeoutMs} ms`);
      const hello = watch.firstHello.get(host.address);
      if (hello === undefined) throw new Error(`${impl}: the newcomer's hello was not seen`);
      const after = (pair: string) => watch.connected.get(pair)! - hello;
      const pairs = {
        inbound: room.map((h) => round(after(`${h.address}>${host.address}`))).sort((a, b) => a - b),
        outbound: room.map((h) => round(after(`${host.address}>${h.address}`))).sort((a, b) => a - b),
      };
      return {
        impl, n, meshMs: round(Math.max(...itsPairs.map(after))), roomCpuMs: round(roomCpuMs), newcomerCpuMs: round(newcomerCpuMs),
        roomHellos: roomHellos.count, pairs,
      };
    } finally {
      capture.kill();
      for (const p of processes) p.kill("SIGTERM");
      await Promise.all(processes.map((p) => p.exited));
    }
  });
}
