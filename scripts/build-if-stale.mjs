#!/usr/bin/env node
// `npm start` runs this first: it rebuilds only when a source is newer than what the last build
// wrote. Running tsc on every start cost 4–7 s before the peer answered, on an unchanged tree.
// What a rebuild prints goes to stderr, and nothing is printed when nothing changed: stdout is the
// peer's, so `npm start -- --version` or `--help` print what p2pchat prints (after npm's banner).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** What `npm start` runs from; and the stamp `npm run build` writes when all its steps succeeded
 *  (tsc leaves an output untouched when its content would not change, so outputs' own times say
 *  nothing about when the last build ran). */
const INPUTS = ["src", "web", "tsconfig.json", "tsconfig.types.json", "package.json", "scripts/bundle.mjs", "scripts/code-cache.mjs"];
const STAMP = "dist/.built";

function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its directory
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function lastBuild() {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return 0; // never built, or built before the stamp existed
  }
}

const newestInput = Math.max(...INPUTS.map(newestMtime));
if (newestInput > lastBuild()) {
  process.stderr.write("p2pchat: sources changed since the last build: building first (npm run build)\n");
  const result = spawnSync("npm", ["run", "build"], { stdio: ["ignore", process.stderr, process.stderr] });
  process.exit(result.status ?? 1);
}
