// The daemon raises V8's optimising threshold once it listens (src/cli/jit.ts). That it takes
// effect from inside a running process is V8's behaviour, not ours, so it is checked here: a hot
// function in a fresh node is optimised after a few hundred calls, and after many more once
// optimiseLaterFromNowOn() has run. Compiles run on the main thread, so the counts are exact.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const JIT = pathToFileURL(join(process.cwd(), "dist/src/cli/jit.js")).href;

/** Calls of a small hot function until V8 has optimised it, in a fresh node. */
function callsUntilOptimised(later: boolean): number {
  const script = [
    `import { optimiseLaterFromNowOn } from ${JSON.stringify(JIT)};`,
    later ? "optimiseLaterFromNowOn();" : "",
    "function hot(text) { let sum = 0; for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i) * (i % 7); return sum; }",
    "let calls = 0;",
    // Bit 16 of V8's optimisation status: optimised code.
    "while (calls < 1_000_000 && !(%GetOptimizationStatus(hot) & 16)) hot(`message ${calls++}`);",
    "console.log(calls);",
  ].join("\n");
  const result = spawnSync(process.execPath,
    ["--allow-natives-syntax", "--no-concurrent-recompilation", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, "", "V8 took the flag without a word");
  return Number(result.stdout.trim());
}

describe("optimiseLaterFromNowOn", () => {
  it("makes V8 optimise a hot function only after several times the work", () => {
    const byDefault = callsUntilOptimised(false);
    const later = callsUntilOptimised(true);
    assert.ok(byDefault > 0 && byDefault < 1_000_000, `optimised after ${byDefault} calls by default`);
    assert.ok(later >= 4 * byDefault, `optimised after ${later} calls, against ${byDefault} by default`);
  });
});
