#!/usr/bin/env node
// Re-renders RESULTS.md and the charts from a results.json, without running anything:
// `node dist/bench/render.js [DIR]` (default bench/). For a change of the report's layout or of
// bench/analysis.md; the figures stay those of the run.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../test/lan/netns.js";
import { renderCharts, renderReport } from "./report.js";
import type { Results } from "./results.js";

const dir = path.resolve(process.argv[2] ?? path.join(repoRoot, "bench"));
const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as Results;
let analysis: string | undefined;
try {
  analysis = fs.readFileSync(path.join(dir, "analysis.md"), "utf8");
} catch {
  analysis = undefined;
}
for (const [name, svg] of Object.entries(renderCharts(results))) fs.writeFileSync(path.join(dir, name), svg);
fs.writeFileSync(path.join(dir, "RESULTS.md"), renderReport(results, analysis));
process.stdout.write(`rendered ${path.join(dir, "RESULTS.md")}\n`);
