// The daemon's chunk is loaded with every function compiled at once (src/cli/compile-eagerly.ts).
// That V8 takes `--no-lazy` from inside a running process, and `--lazy` back, is V8's behaviour,
// not ours, so it is checked here in a fresh node: a function never called is still uncompiled
// (lazy) in a module imported the usual way, compiled in one imported through compiledEagerly(),
// and uncompiled again in one imported after it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const COMPILE_EAGERLY = pathToFileURL(join(process.cwd(), "dist/src/cli/compile-eagerly.js")).href;

const dir = mkdtempSync(join(tmpdir(), "p2pchat-compile-eagerly-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A module of its own with one function that nobody calls. */
function moduleWithUncalledFunction(name: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `export function untouched(x) { return x * 2 + 1; }\n`);
  return pathToFileURL(file).href;
}

/** Whether V8 has compiled `untouched` of each module, imported in turn as `how` says, in a fresh node. */
function compiledAfter(imports: Array<{ how: "plain" | "eagerly"; module: string }>): boolean[] {
  const script = [
    `import { compiledEagerly } from ${JSON.stringify(COMPILE_EAGERLY)};`,
    "const compiled = [];",
    ...imports.map(({ how, module }) => how === "eagerly"
      ? `compiled.push(await compiledEagerly(() => import(${JSON.stringify(module)})));`
      : `compiled.push(await import(${JSON.stringify(module)}));`),
    // Bit 18 of V8's optimisation status: the function has no code yet (it is compiled lazily).
    "console.log(JSON.stringify(compiled.map((m) => (%GetOptimizationStatus(m.untouched) & (1 << 18)) === 0)));",
  ].join("\n");
  const result = spawnSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "", "V8 took the flags without a word");
  return JSON.parse(result.stdout) as boolean[];
}

describe("compiledEagerly", () => {
  it("compiles every function of what it loads, and leaves what is loaded later to V8's lazy compiling", () => {
    const [before, eager, later] = compiledAfter([
      { how: "plain", module: moduleWithUncalledFunction("before") },
      { how: "eagerly", module: moduleWithUncalledFunction("eager") },
      { how: "plain", module: moduleWithUncalledFunction("later") },
    ]);
    assert.equal(before, false, "a function never called is not compiled by default");
    assert.equal(eager, true, "compiled as its module loaded");
    assert.equal(later, false, "lazy again after");
  });
});
