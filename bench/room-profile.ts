#!/usr/bin/env node
// Where a whole room's CPU goes per message, by kind of code (bench/room-samples.ts), in the
// delivery scenario (bench/scenarios/delivery.ts, the benchmark's plan): `perf record` samples
// every peer's threads from a second before the measured messages to their end, and `nstat` in
// every peer's namespace counts the TCP segments the room sent meanwhile. Each implementation in
// turn, round by round, then the medians. The sampling itself slows every peer a little (more at
// a higher --freq); compare implementations within one run. Needs perf (Debian: linux-perf).
//
// Usage (root, after `npm run build`): node dist/bench/room-profile.js [--rounds 2]
//   [--only p2pchat,node-floor] [--n 10] [--freq 20000]
// BENCH_P2PCHAT_MAIN=<other build>/dist/src/cli/main.js profiles another build as p2pchat.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { IMPL_LABEL, type Impl } from "./impl.js";
import { requirePerf, roomProfileOf, startPerfRecord } from "./perf-record.js";
import { deliveryOptions, FULL } from "./plan.js";
import { CODE_KINDS, counterGrowth, parseNstat, TCP_COUNTERS, type RoomProfile } from "./room-samples.js";
import { runDelivery } from "./scenarios/delivery.js";
import { median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    only: { type: "string", default: "p2pchat,node-floor" },
    n: { type: "string", default: "10" },
    freq: { type: "string", default: "20000" },
  },
});
const rounds = Number(values.rounds);
const n = Number(values.n);
const freq = Number(values.freq);
const impls = values.only.split(",") as Impl[];
if (!Number.isInteger(n) || n < 2 || n > 40) throw new Error(`--n: expected a room of 2 to 40, got ${values.n}`);
if (!Number.isInteger(freq) || freq < 100) throw new Error(`--freq: expected samples a second, 100 or more, got ${values.freq}`);
requirePerf();

/** The TCP counters of the namespace the process `pid` runs in. */
const countersOf = (pid: number) => parseNstat(execFileSync("nsenter", ["-t", String(pid), "-n", "nstat", "-asz", "--json"], { encoding: "utf8" }));

interface RoundFigures {
  profile: RoomProfile;
  /** µs of CPU a sample stands for, divided by the measured messages: a sample's share of one message. */
  usPerSample: number;
  cpuPerMessageMs: number | undefined;
  segmentsPerMessage: Record<string, number>;
}

async function profileRound(impl: Impl, dir: string): Promise<RoundFigures> {
  const file = join(dir, "perf.data");
  let pids: readonly number[] = [];
  let growth: Record<string, number> = {};
  const options = deliveryOptions(FULL, () => {});
  const result = await runDelivery(impl, n, {
    ...options,
    whileMeasured: async (peers) => {
      pids = peers;
      const before = peers.map(countersOf);
      // A second to attach to every thread of every peer.
      const stop = await startPerfRecord(["-F", String(freq), "-o", file, "-p", peers.join(",")], 1_000);
      return async () => {
        await stop();
        growth = counterGrowth(before, peers.map(countersOf));
      };
    },
  });
  const profile = roomProfileOf(file, new Set(pids), `the ${impl} round`);
  const messages = options.messages;
  return {
    profile,
    usPerSample: 1e6 / freq / messages,
    cpuPerMessageMs: result.cpuPerMessageMs,
    segmentsPerMessage: Object.fromEntries(Object.entries(growth).map(([counter, count]) => [counter, count / messages])),
  };
}

const figures = new Map<Impl, RoundFigures[]>(impls.map((impl) => [impl, []]));
for (let r = 1; r <= rounds; r++) {
  for (const impl of impls) {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-room-profile-"));
    try {
      const taken = await profileRound(impl, dir);
      figures.get(impl)!.push(taken);
      console.log(`round ${r}, ${IMPL_LABEL[impl]}: ${Math.round(taken.profile.total * taken.usPerSample)} µs of sampled CPU a message, ` +
        `${taken.cpuPerMessageMs} ms from /proc; TCP segments out a message ${round(taken.segmentsPerMessage.TcpOutSegs ?? 0)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// The median of the rounds (nearest rank: the lower of two), each round's beside it.
const cell = (rows: RoundFigures[], pick: (f: RoundFigures) => number) => {
  const each = rows.map((f) => round(pick(f)));
  return { median: median(each), text: each.length > 1 ? `${median(each)} (${each.join(", ")})` : String(each[0]) };
};
const table: Array<[string, (f: RoundFigures) => number]> = [
  ...CODE_KINDS.map((kind): [string, (f: RoundFigures) => number] => [`main threads: ${kind}`, (f) => f.profile.main[kind] * f.usPerSample]),
  ...CODE_KINDS.map((kind): [string, (f: RoundFigures) => number] => [`other threads: ${kind}`, (f) => f.profile.other[kind] * f.usPerSample]),
  ["in all (sampled)", (f) => f.profile.total * f.usPerSample],
  ["CPU of all peers from /proc", (f) => (f.cpuPerMessageMs ?? Number.NaN) * 1000],
  ...TCP_COUNTERS.map((counter): [string, (f: RoundFigures) => number] => [`${counter} (a message, not µs)`, (f) => f.segmentsPerMessage[counter] ?? 0]),
];
console.log(`\nN = ${n}, ${rounds} round${rounds === 1 ? "" : "s"} of each at ${freq} samples/s; µs of CPU per message of the room, ` +
  "the median of the rounds and each round's:");
console.log(`| | ${impls.map((impl) => IMPL_LABEL[impl]).join(" | ")} |\n|---|${impls.map(() => "---").join("|")}|`);
for (const [label, pick] of table) {
  const cells = impls.map((impl) => cell(figures.get(impl)!, pick));
  if (cells.every((c) => c.median === 0)) continue;
  console.log(`| ${label} | ${cells.map((c) => c.text).join(" | ")} |`);
}
