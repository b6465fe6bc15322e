// The daemon's chunk is a script loaded compiled whole, from V8's code cache when V8 accepts the
// one the build wrote (src/cli/compiled-script.ts). What V8 does with `--no-lazy` set from inside
// and with a code cache is V8's behaviour, not ours, so it is checked here in fresh nodes: a
// function never called is compiled once its script is loaded, whether from the cache or not; a
// module imported after is lazy again; a cache made under other flags or of another source is
// refused and the script compiled all the same; the script's top-level code runs with lazy
// feedback allocation under the daemon's eager one, which is set back after; and the cache
// `npm run build` wrote for the daemon is accepted under the daemon's own flags.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { nodeFlagsOf } from "../../bench/impl.js";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const LOADER = pathToFileURL(join(process.cwd(), "dist/src/cli/compiled-script.js")).href;
const MAIN = join(process.cwd(), "dist/src/cli/main.js");

const dir = mkdtempSync(join(tmpdir(), "p2pchat-compiled-script-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A script chunk as the bundle makes them: CommonJS in compiled-script.ts's wrapper. */
function script(name: string, body = ""): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, `exports.untouched = function untouched(x) { return x * 2 + 1; };\n${body}`);
  return file;
}

/** A module of its own with one function that nobody calls. */
function moduleWithUncalledFunction(name: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `export function untouched(x) { return x * 2 + 1; }\n`);
  return pathToFileURL(file).href;
}

/** Runs `lines` (an ES module body, the loader imported) in a fresh node with `flags`; its output, parsed. */
function inFreshNode(flags: string[], lines: string[]): unknown {
  const program = [`import { loadCompiledScript, writeCodeCache } from ${JSON.stringify(LOADER)};`, ...lines].join("\n");
  const result = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", program], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "", "no warning");
  return JSON.parse(result.stdout);
}

// Bit 18 of V8's optimisation status: the function has no code yet (it is compiled lazily).
const COMPILED = "((f) => (%GetOptimizationStatus(f) & (1 << 18)) === 0)";
const NATIVES = ["--allow-natives-syntax"];

describe("loadCompiledScript", () => {
  it("compiles every function of the script, and leaves what is loaded after it to V8's lazy compiling", () => {
    const before = moduleWithUncalledFunction("before");
    const later = moduleWithUncalledFunction("later");
    const chunk = pathToFileURL(script("eager")).href;
    const seen = inFreshNode(NATIVES, [
      `const compiled = ${COMPILED};`,
      `const first = await import(${JSON.stringify(before)});`,
      `const loaded = await loadCompiledScript(new URL(${JSON.stringify(chunk)}));`,
      `const last = await import(${JSON.stringify(later)});`,
      "console.log(JSON.stringify([compiled(first.untouched), compiled(loaded.exports.untouched), compiled(last.untouched), loaded.codeCache]));",
    ]);
    assert.deepEqual(seen, [false, true, false, "absent"]);
  });

  it("gives the script require, its own URL as import.meta.url, and import() relative to itself", () => {
    writeFileSync(join(dir, "sibling.mjs"), `export const word = "sibling";\n`);
    const chunk = pathToFileURL(script("wrapped", [
      "exports.url = __import_meta_url;",
      "exports.sep = require(\"node:path\").sep;",
      "exports.load = () => __import(\"./sibling.mjs\");",
      "exports.builtin = () => __import(\"node:os\");",
    ].join("\n"))).href;
    const seen = inFreshNode([], [
      `const { exports } = await loadCompiledScript(new URL(${JSON.stringify(chunk)}));`,
      "console.log(JSON.stringify([exports.url, exports.sep, (await exports.load()).word, typeof (await exports.builtin()).hostname]));",
    ]);
    assert.deepEqual(seen, [chunk, "/", "sibling", "function"]);
  });

  it("reads the script compiled from the code cache written for it", () => {
    const file = script("cached");
    inFreshNode(NATIVES, [`console.log(await writeCodeCache(${JSON.stringify(file)}));`]);
    const seen = inFreshNode(NATIVES, [
      `const loaded = await loadCompiledScript(new URL(${JSON.stringify(pathToFileURL(file).href)}));`,
      `console.log(JSON.stringify([loaded.codeCache, ${COMPILED}(loaded.exports.untouched), loaded.exports.untouched(20)]));`,
    ]);
    assert.deepEqual(seen, ["used", true, 41]);
  });

  it("compiles the script when V8 refuses its cache: made under other flags, or for another source", () => {
    const otherFlags = script("other-flags");
    inFreshNode([], [`console.log(await writeCodeCache(${JSON.stringify(otherFlags)}));`]);
    const otherSource = script("other-source");
    inFreshNode(NATIVES, [`console.log(await writeCodeCache(${JSON.stringify(otherSource)}));`]);
    script("other-source", "exports.more = 1;\n"); // rewritten after its cache was made
    for (const file of [otherFlags, otherSource]) {
      const seen = inFreshNode(NATIVES, [
        `const loaded = await loadCompiledScript(new URL(${JSON.stringify(pathToFileURL(file).href)}));`,
        `console.log(JSON.stringify([loaded.codeCache, ${COMPILED}(loaded.exports.untouched), loaded.exports.untouched(1)]));`,
      ]);
      assert.deepEqual(seen, ["refused", true, 3], file);
    }
  });

  it("runs the script's top-level code with V8's lazy feedback allocation, and gives the daemon's flag back after", () => {
    // The daemon's node runs with --no-lazy-feedback-allocation (main.ts); the chunk's top-level
    // code runs once, and is not worth a feedback vector per function it calls.
    const chunk = pathToFileURL(script("feedback", "function once() { return 1; }\nonce();\nexports.once = once;\n")).href;
    const program = [
      `import { loadCompiledScript } from ${JSON.stringify(LOADER)};`,
      `const loaded = await loadCompiledScript(new URL(${JSON.stringify(chunk)}));`,
      "function later() { return 2; }",
      "later();",
      "%DebugPrint(loaded.exports.once);",
      "%DebugPrint(later);",
    ].join("\n");
    const result = spawnSync(process.execPath, ["--allow-natives-syntax", "--no-lazy-feedback-allocation", "--input-type=module", "-e", program],
      { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    const [once, later] = result.stdout.split(/^DebugPrint: /m).slice(1);
    assert.match(once ?? "", /- feedback vector: No feedback vector/, "called once by the top-level code: none");
    assert.match(later ?? "", /- feedback vector: 0x[0-9a-f]+: \[FeedbackVector\]/, "called once after: one at its first call");
  });

  it("takes the daemon's chunk from the code cache the build wrote, under the daemon's own flags", () => {
    const daemon = pathToFileURL(join(process.cwd(), "dist/src/cli/chunks/daemon.cjs")).href;
    const seen = inFreshNode(nodeFlagsOf(MAIN), [
      `const loaded = await loadCompiledScript(new URL(${JSON.stringify(daemon)}));`,
      "console.log(JSON.stringify([loaded.codeCache, typeof loaded.exports.runDaemon]));",
    ]);
    assert.deepEqual(seen, ["used", "function"]);
  });
});
