#!/usr/bin/env node
// Runs the compiled test files with node's own test runner. Node 20 takes no glob patterns for
// --test, so the files are listed here. Arguments filter by path: `npm test -- decoder lan/`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

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
const result = spawnSync(process.execPath, ["--enable-source-maps", "--test", `--test-concurrency=${concurrency}`, ...files], {
  stdio: "inherit",
});
process.exit(result.status ?? 1);
