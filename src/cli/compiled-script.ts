/**
 * Loads a script chunk (the daemon's: scripts/bundle.mjs) with every function compiled, from
 * V8's code cache when the build left one that this node accepts.
 *
 * Why: compiled lazily, the code that takes a peer in was compiled the first time a peer came,
 * in a peer that had just started, while the room waited on it (bench/analysis.md, "What the last
 * peer waited for"); compiling the whole chunk as it loads fixed that but cost every start about
 * 27 ms of CPU more. A code cache is V8's compiled bytecode, written once by `npm run build`
 * (writeCodeCache), and reading it back costs less than compiling even lazily. Node 20 has no
 * code cache for ES modules (module.enableCompileCache() arrives with Node 22), but it has one
 * for scripts (vm.Script's cachedData), so the daemon's chunk is a script: CommonJS's wrapper,
 * plus the two things an ES module has and a script has not, passed in (WRAPPER below).
 *
 * V8 accepts a cache only from the same V8 version and the same flags (it hashes them), so the
 * build writes it under the flags the daemon runs with (main.js's shebang) and `--no-lazy`, with
 * feedback allocation lazy as by default while the cache is made or read, also in a node started
 * with --no-lazy-feedback-allocation (withLazyFeedback). A cache that is missing or refused
 * (another node, a node flag added, a profiler) costs nothing but the cache's benefit: the chunk
 * is then compiled whole, as before.
 *
 * node:vm, node:v8 and node:module are imported here, on the daemon's way only.
 */

import type { Script, ScriptOptions } from "node:vm";

/** What a script chunk sees: CommonJS's variables, the chunk's own URL (for `import.meta.url`)
 *  and `import()` (a script's own `import()` would need node:vm's experimental loader). */
const WRAPPER = "(function (exports, require, module, __filename, __dirname, __import_meta_url, __import) {";

type ScriptFunction = (
  exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string,
  importMetaUrl: string, importer: (specifier: string) => Promise<unknown>,
) => void;

/** V8's flag (eager-feedback.ts) that is set aside while the chunk is compiled and its top-level
 *  code runs. Spelled here again: eager-feedback.ts requires Node modules that `--version` and
 *  the subcommands, which load this module too, must not. */
const EAGER_FEEDBACK = "--no-lazy-feedback-allocation";

/** Whether the code cache was read: "used", "refused" by V8 (compiled instead), or "absent". */
export type CodeCacheUse = "used" | "refused" | "absent";

export interface LoadedScript<T> {
  exports: T;
  codeCache: CodeCacheUse;
}

/** Where a script's code cache lives: beside it. */
export function codeCacheFile(file: string): string {
  return `${file}.cache`;
}

/**
 * Runs the script chunk at `location` and returns what it exports. Every function of it is
 * compiled at once (V8's `--no-lazy` while it compiles, `--lazy` back after, so that what is
 * loaded later stays lazy), from its code cache when V8 accepts it.
 */
export async function loadCompiledScript<T>(location: URL): Promise<LoadedScript<T>> {
  const [{ readFileSync }, { createRequire }, { dirname }, { fileURLToPath }, { setFlagsFromString }] = await Promise.all([
    import("node:fs"), import("node:module"), import("node:path"), import("node:url"), import("node:v8"),
  ]);
  const file = fileURLToPath(location);
  const source = readFileSync(file, "utf8");
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(codeCacheFile(file));
  } catch {
    cachedData = undefined; // not built with one: compiled below
  }
  const { run, codeCache } = await compiledWhole(source, { filename: file, cachedData },
    (script): { run: ScriptFunction; codeCache: CodeCacheUse } => ({
      run: script.runInThisContext() as ScriptFunction,
      codeCache: cachedData === undefined ? "absent" : script.cachedDataRejected === true ? "refused" : "used",
    }));
  const url = location.href;
  const module = { exports: {} };
  // import() from this module, with a specifier relative to the chunk made absolute first.
  const importer = (specifier: string) => import(specifier.startsWith(".") ? new URL(specifier, url).href : specifier);
  // The chunk's top-level code runs once, here: under --no-lazy-feedback-allocation every function
  // of it would get its feedback vector for nothing, some 8 ms of a start. The daemon sets that
  // flag only after this (eager-feedback.ts); a node started with it has it set aside here.
  withLazyFeedback(setFlagsFromString, () => run(module.exports, createRequire(file), module, file, dirname(file), url, importer));
  return { exports: module.exports as T, codeCache };
}

/**
 * Compiles the script chunk `file` whole and writes V8's code cache for it beside it. Run by
 * `npm run build` (scripts/code-cache.mjs) in a node started with the daemon's flags: V8 refuses
 * a cache made under other flags. Stack traces of a script read from its cache name it as `file`
 * was given here (V8 keeps the name the cache was made under). Returns the cache's size in bytes.
 */
export async function writeCodeCache(file: string): Promise<number> {
  const { readFileSync, writeFileSync } = await import("node:fs");
  const data = await compiledWhole(readFileSync(file, "utf8"), { filename: file }, (script) => script.createCachedData());
  writeFileSync(codeCacheFile(file), data);
  return data.length;
}

/**
 * Compiles the script `source` in the wrapper, whole: V8's `--no-lazy` while it compiles, `--lazy`
 * back after, so that what is loaded later stays lazy. Reading a script and writing its cache both
 * compile here, and `use` runs while `--no-lazy` is still set, so a cache is made under the flags
 * it is read under (V8 hashes the flags in force into a cache, and refuses it under others).
 */
async function compiledWhole<R>(source: string, options: ScriptOptions, use: (script: Script) => R): Promise<R> {
  const [{ Script }, { setFlagsFromString }] = await Promise.all([import("node:vm"), import("node:v8")]);
  setFlagsFromString("--no-lazy");
  try {
    return withLazyFeedback(setFlagsFromString, () => use(new Script(wrap(source), options)));
  } finally {
    setFlagsFromString("--lazy");
  }
}

/**
 * Runs `run` under V8's default, lazy feedback allocation, in a node started with
 * --no-lazy-feedback-allocation too (a service unit written by an earlier version had it). V8
 * hashes that flag into a code cache, so the cache is made and read under the default: one cache
 * serves the daemon's command (its shebang), a plain `node dist/src/cli/main.js` and such a node alike.
 */
function withLazyFeedback<R>(setFlags: (flags: string) => void, run: () => R): R {
  if (!process.execArgv.includes(EAGER_FEEDBACK)) return run();
  setFlags("--lazy-feedback-allocation");
  try {
    return run();
  } finally {
    setFlags(EAGER_FEEDBACK);
  }
}

/** The chunk inside the wrapper; on its first line, so its line numbers stay those of the file. */
function wrap(source: string): string {
  return `${WRAPPER}${source}\n})`;
}
