#!/usr/bin/env node
// `npm run build`'s step after the bundle: V8's code cache of the daemon's script chunk, which
// the daemon loads compiled from (src/cli/compiled-script.ts). V8 accepts a cache only under the
// flags it was made with, so it is made in a node started with the daemon's own: those of
// main.js's shebang (the same as `npm start`'s and the service's: test/cli/node-flags.test.ts).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const MAIN = "dist/src/cli/main.js";
// Named from the app's root on purpose: Node 20's V8 keeps the name a script's cache was made
// under, so stack traces from the cached daemon say "dist/src/cli/chunks/daemon.cjs:LINE" wherever
// the app runs from (a checkout, /opt/p2pchat), never the path of the checkout that built it.
// `npm run build` runs this from the app's root.
const SCRIPTS = ["dist/src/cli/chunks/daemon.cjs"];

if (process.argv[2] === "--write") {
  const { writeCodeCache } = await import("../dist/src/cli/compiled-script.js");
  for (const file of process.argv.slice(3)) await writeCodeCache(file);
} else {
  const shebang = /^#!\/usr\/bin\/env -S node (.*)$/.exec(readFileSync(MAIN, "utf8").split("\n", 1)[0]);
  if (!shebang) throw new Error(`${MAIN}: no "#!/usr/bin/env -S node <flags>" line to take the daemon's flags from`);
  const flags = shebang[1].split(" ").filter(Boolean);
  const result = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), "--write", ...SCRIPTS], { stdio: "inherit" });
  process.exit(result.status ?? 1);
}
