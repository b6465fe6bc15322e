import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory that holds p2pchat's package.json (the checkout, or the installed package): what
 * the version, the chat page's files and install-service are read from. Found by walking up from
 * this module rather than by counting levels, because the same code runs at two depths: compiled
 * one file per module (dist/src/app-root.js) and bundled for the command line
 * (dist/src/cli/main.js and its chunks, scripts/bundle.mjs). dist/ itself holds no package.json.
 */
function findAppRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`p2pchat: no package.json above ${start}`);
  }
}

export const APP_ROOT = findAppRoot();
