#!/usr/bin/env node
// Start-ups alone, in turn, for telling two builds apart: the floor (bench/floor-peer.mjs) and
// each build's daemon, started one at a time in an idle namespace by section 0b's own code
// (bench/scenarios/startup.ts), with what a start touched beside its time and CPU. For each: spawn to TCP accepting,
// every thread's CPU (schedstat, to the nanosecond) and the minor page faults one second after
// it. On a machine whose speed for a start moves from minute to minute (bench/analysis.md
// "Start-up: one of two speeds"), the faults count the work, which does not move.
//
// Usage (root, after `npm run build`): node dist/bench/starts.js [--runs 21]
//   [--build /other/dist/src/cli/main.js]... (default: this checkout's dist/src/cli/main.js)
import path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, withLan } from "../test/lan/netns.js";
import { sleep } from "./clock.js";
import { measureStart, startSubject, type StartCost } from "./scenarios/startup.js";
import { median, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "21" },
    build: { type: "string", multiple: true, default: [path.join(repoRoot, "dist", "src", "cli", "main.js")] },
  },
});

const subjects: Array<{ label: string; main: string | undefined }> = [
  { label: "floor", main: undefined },
  ...values.build.map((main) => ({ label: main, main })),
];
const starts = new Map(subjects.map((s) => [s.label, [] as StartCost[]]));
await withLan({ hosts: 1 }, async (lan) => {
  const host = lan.hosts[0]!;
  for (let run = 0; run < Number(values.runs); run++) {
    for (const { label, main } of subjects) {
      const spawn = () => startSubject(lan, host, main === undefined ? "floor" : "p2pchat", run, main);
      // RSS is read with the CPU, not a second later: these starts are for the CPU and the faults.
      starts.get(label)!.push(await measureStart(host, spawn, { cpuAfterMs: 1_000, rssAfterMs: 1_000 }));
      await sleep(200); // the namespace idle again before the next start
    }
  }
});

const FIGURES = { acceptMs: "TCP accepting", cpuMs: "CPU 1 s after", faults: "page faults" } as const;
const floor = starts.get("floor")!;
for (const [label, all] of starts) {
  const parts = (Object.keys(FIGURES) as Array<keyof typeof FIGURES>).map((key) => {
    const v = all.map((s) => s[key]);
    const over = median(v) - median(floor.map((s) => s[key]));
    return `${FIGURES[key]} ${round(median(v))}${label === "floor" ? "" : ` (${over >= 0 ? "+" : ""}${round(over)})`} ` +
      `[${round(Math.min(...v))}-${round(Math.max(...v))}]`;
  });
  console.log(`${label}, ${all.length} starts: ${parts.join(", ")}`);
}
