#!/usr/bin/env node
// Runs the compiled test files with node's own test runner. Node 20 takes no glob patterns for
// --test, so the files are listed here. Arguments filter by path: `npm test -- decoder lan/`.
// At the end: each skipped test with its reason, and one line of counts. Under CI (CI set) a
// skipped test fails the run: a machine set up for CI must run everything (the tests that depend
// on the machine fail there by themselves; this catches any skip they or new tests add).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";

const root = "dist/test";

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = findTests(root).filter(
  (file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)),
);
if (files.length === 0) {
  console.error(`no test files under ${root} match ${filters.join(" ") || "*.test.js"}`);
  process.exit(1);
}
// Most test files spend their time waiting on sockets, processes and timers, not on the CPU, so
// two files at a time roughly halve the run on a 2-core machine. TEST_CONCURRENCY overrides.
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
// Naming a reporter replaces node's default, so the default is named too: spec on a terminal, TAP otherwise.
const shown = process.stdout.isTTY ? "spec" : "tap";
const work = mkdtempSync(join(tmpdir(), "p2pchat-tests-"));
const summaryFile = join(work, "summary.json");
const started = performance.now();
const result = spawnSync(process.execPath, [
  "--enable-source-maps", "--test", `--test-concurrency=${concurrency}`,
  `--test-reporter=${shown}`, "--test-reporter-destination=stdout",
  `--test-reporter=${new URL("./summary-reporter.mjs", import.meta.url).href}`, `--test-reporter-destination=${summaryFile}`,
  ...files,
], { stdio: "inherit" });
const seconds = ((performance.now() - started) / 1000).toFixed(0);

let summary;
try {
  summary = JSON.parse(readFileSync(summaryFile, "utf8"));
} catch {
  summary = undefined; // the runner died before its end: its own output says why
}
rmSync(work, { recursive: true, force: true });

let status = result.status ?? 1;
if (summary) {
  const { counts, skipped, failed } = summary;
  const lines = [""];
  if (skipped.length > 0) {
    lines.push(`Skipped (${skipped.length}):`);
    for (const s of skipped) lines.push(`  ${s.file} › ${s.name}: ${s.reason}`);
  }
  if (failed.length > 0) {
    lines.push(`Failed (${failed.length}):`);
    for (const f of failed) lines.push(`  ${f.file} › ${f.name}`);
  }
  lines.push(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` +
    (counts.todo ? `, ${counts.todo} todo` : "") + ` (${files.length} files, ${seconds} s)`);
  if (process.env.CI && skipped.length > 0) {
    lines.push(`CI: ${skipped.length} test(s) skipped, and under CI nothing may be skipped: install what they need (see above).`);
    status = status || 1;
  }
  console.log(lines.join("\n"));
}
process.exit(status);
