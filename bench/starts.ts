#!/usr/bin/env node
// Start-ups alone, in turn, for telling two builds apart: the floor (bench/floor-peer.mjs) and
// each build's daemon, started one at a time in an idle namespace, as the benchmark's section 0b
// does, with what a start touched beside its time and CPU. For each: spawn to TCP accepting,
// every thread's CPU (schedstat, to the nanosecond) and the minor page faults one second after
// it. On a machine whose speed for a start moves from minute to minute (bench/analysis.md
// "Start-up: one of two speeds"), the faults count the work, which does not move.
//
// Usage (root, after `npm run build`): node dist/bench/starts.js [--runs 21]
//   [--build /other/dist/src/cli/main.js]... (default: this checkout's dist/src/cli/main.js)
import path from "node:path";
import { parseArgs } from "node:util";
import { PEER_PORT, repoRoot, withLan, type Lan, type LanHost, type LanProcess } from "../test/lan/netns.js";
import { nowMs, sleep } from "./clock.js";
import { nodeFlagsOf } from "./impl.js";
import { minorFaults, threadsCpuNs } from "./proc.js";
import { acceptedAt, FLOOR_PEER } from "./scenarios/startup.js";
import { median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "21" },
    build: { type: "string", multiple: true, default: [path.join(repoRoot, "dist", "src", "cli", "main.js")] },
  },
});

interface Start { acceptMs: number; cpuMs: number; faults: number }

/** One start of `main` (a daemon, run with the node flags of its shebang) or of the floor. */
function spawn(lan: Lan, host: LanHost, main: string | undefined, run: number): LanProcess {
  if (main === undefined) return lan.spawn(host, process.execPath, [FLOOR_PEER, host.address], { name: `floor-${run}` });
  return lan.spawn(host, process.execPath, [...nodeFlagsOf(main), main, "--peer-id", `start-${run}`, "--broadcast", lan.broadcast,
    "--http-bind", host.address], { name: `p2pchat-${run}` });
}

async function startOnce(lan: Lan, host: LanHost, main: string | undefined, run: number): Promise<Start> {
  const spawnedAt = nowMs();
  const child = spawn(lan, host, main, run);
  try {
    const accepted = await acceptedAt(host.address, PEER_PORT, child, 20_000);
    await sleep(Math.max(0, accepted + 1_000 - nowMs()));
    const faults = minorFaults(child.pid);
    if (!Number.isFinite(faults)) throw new Error(`${child.name} exited while being measured; its output:\n${child.output().slice(-800)}`);
    return { acceptMs: accepted - spawnedAt, cpuMs: threadsCpuNs(child.pid) / 1e6, faults };
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

const subjects: Array<{ label: string; main: string | undefined }> = [
  { label: "floor", main: undefined },
  ...values.build.map((main) => ({ label: main, main })),
];
const starts = new Map(subjects.map((s) => [s.label, [] as Start[]]));
await withLan({ hosts: 1 }, async (lan) => {
  const host = lan.hosts[0]!;
  for (let run = 0; run < Number(values.runs); run++) {
    for (const subject of subjects) {
      starts.get(subject.label)!.push(await startOnce(lan, host, subject.main, run));
      await sleep(200); // the namespace idle again before the next start
    }
  }
});

const summary = (all: Start[], key: keyof Start) => {
  const v = all.map((s) => s[key]);
  return { median: median(v), min: Math.min(...v), max: Math.max(...v) };
};
const floor = starts.get("floor")!;
for (const [label, all] of starts) {
  const parts = (["acceptMs", "cpuMs", "faults"] as const).map((key) => {
    const s = summary(all, key);
    const over = label === "floor" ? "" : ` (${s.median - summary(floor, key).median >= 0 ? "+" : ""}${round(s.median - summary(floor, key).median)})`;
    return `${key === "acceptMs" ? "TCP accepting" : key === "cpuMs" ? "CPU 1 s after" : "page faults"} ${round(s.median)}${over} [${round(s.min)}-${round(s.max)}]`;
  });
  console.log(`${label}, ${all.length} starts: ${parts.join(", ")}`);
}
