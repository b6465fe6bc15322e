// Which files a Node.js process loads: a module hook (node --import) that appends the URL of every
// file it loads to a list, for tests that a way in loads only what it needs. Module hooks run on
// their own thread in Node 20, so the list is a file, not the process's stdout. Every ES module
// goes through the hook, also one imported dynamically or from a bundle; files a CommonJS module
// require()s do not (none of the libraries these tests look for is CommonJS).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export interface LoadRecorder {
  /** Arguments for node, before the script: ["--import", <the hook's registration>]. */
  readonly nodeArgs: string[];
  /** A fresh list for one process: the environment to give it, and a reader of what it loaded. */
  list(name: string): { env: NodeJS.ProcessEnv; loaded: () => string[] };
  /** Removes the hook's files and the lists. */
  remove(): void;
}

export function loadRecorder(): LoadRecorder {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "p2pchat-loaded-"));
  const hooks = path.join(dir, "hooks.mjs");
  fs.writeFileSync(hooks, `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(process.env.P2PCHAT_LOADED, url + "\\n");
  return next(url, context);
}
`);
  const register = path.join(dir, "register.mjs");
  fs.writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return {
    nodeArgs: ["--import", pathToFileURL(register).href],
    list(name) {
      const file = path.join(dir, `${name}.txt`);
      fs.writeFileSync(file, "");
      return {
        env: { P2PCHAT_LOADED: file },
        loaded: () => fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((url) => decodeURIComponent(new URL(url).pathname)),
      };
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The npm packages among loaded files ("ini", "@libp2p/tcp", ...), each once, sorted. */
export function packagesOf(files: readonly string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    // The innermost node_modules names the package (a nested copy is its own package).
    const match = [...file.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1);
    if (match) names.add(match[1]!);
  }
  return [...names].sort();
}
