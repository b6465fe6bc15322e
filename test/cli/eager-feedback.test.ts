// The daemon sets V8's eager feedback allocation from inside, once its chunk has loaded
// (src/cli/eager-feedback.ts), and not on node's command line, so that Node's own modules come
// from Node's code cache. Both halves are V8's and Node's behaviour, so they are checked in fresh
// nodes: a function gets its feedback vector at its first call only after feedbackFromFirstCall(),
// and the built-in modules a daemon's start loads are all read from Node's cache under the
// daemon's flags, where under the flag on the command line most of them are compiled from source.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { nodeFlagsOf } from "../../bench/impl.js";
import { EAGER_FEEDBACK } from "../../src/cli/eager-feedback.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const url = (file: string) => JSON.stringify(pathToFileURL(join(process.cwd(), file)).href);
const EAGER = url("dist/src/cli/eager-feedback.js");
const MAIN = join(process.cwd(), "dist/src/cli/main.js");
const DAEMON_FLAGS = nodeFlagsOf(MAIN);

/**
 * Runs the daemon, on loopback, with `flags`, until it has listened and warmed up; then the
 * built-in modules it compiled from source, not from Node's cache (what Node's own tests read,
 * internalBinding("builtins").getCacheUsage(), from a module loaded with --import), and all the
 * built-in modules it loaded.
 */
async function builtinsOfAStart(flags: string[]): Promise<{ fromSource: string[]; loaded: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "p2pchat-eager-feedback-"));
  const [host] = loopbackHosts(1) as [string];
  let daemon: ChildProcess | undefined;
  try {
    const reporter = join(dir, "report.mjs");
    writeFileSync(reporter, [
      `import { createRequire } from "node:module";`,
      `const { internalBinding } = createRequire(import.meta.url)("internal/test/binding");`,
      `process.on("exit", () => process.stdout.write(JSON.stringify({`,
      `  fromSource: [...internalBinding("builtins").getCacheUsage().compiledWithoutCache],`,
      `  loaded: process.moduleLoadList.filter((entry) => entry.startsWith("NativeModule ")).map((entry) => entry.slice(13)),`,
      `})));`,
    ].join("\n"));
    daemon = spawn(process.execPath, [...flags, "--no-warnings", "--expose-internals", "--import", pathToFileURL(reporter).href, MAIN,
      "--peer-id", "eager", "--port", String(await freePort()), "--broadcast", host, "--http-bind", host,
      "--http-port", String(await freePort()), "--log-level", "debug"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    daemon.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    daemon.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(daemon, "exit");
    await waitFor(() => stderr.includes("warmed up over loopback"), { timeoutMs: 10_000, what: "the daemon to warm up" });
    daemon.kill("SIGTERM");
    await exited;
    return JSON.parse(stdout) as { fromSource: string[]; loaded: string[] };
  } finally {
    daemon?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

type BuiltinsOfAStart = Awaited<ReturnType<typeof builtinsOfAStart>>;
let startUnderOurFlags: Promise<BuiltinsOfAStart> | undefined;
/** One start under the daemon's own flags, read by every test that asks about it. */
const aStartUnderOurFlags = (): Promise<BuiltinsOfAStart> => (startUnderOurFlags ??= builtinsOfAStart(DAEMON_FLAGS));

/** Runs `lines` (an ES module body) in a fresh node with `flags`; its stdout. */
function inFreshNode(flags: string[], lines: string[]): string {
  const result = spawnSync(process.execPath, [...flags, "--no-warnings", "--input-type=module", "-e", lines.join("\n")], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe("eager feedback from inside", () => {
  it("is not on the daemon's command line", () => {
    assert.ok(!DAEMON_FLAGS.includes(EAGER_FEEDBACK), DAEMON_FLAGS.join(" "));
  });

  it("gives a function its feedback vector at its first call once set, and not before", () => {
    const printed = inFreshNode([...DAEMON_FLAGS, "--allow-natives-syntax"], [
      `import { feedbackFromFirstCall } from ${EAGER};`,
      "function before() { return 1; }",
      "before();",
      "feedbackFromFirstCall();",
      "function after() { return 2; }",
      "after();",
      "%DebugPrint(before);",
      "%DebugPrint(after);",
    ]);
    const [before, after] = printed.split(/^DebugPrint: /m).slice(1);
    assert.match(before ?? "", /- feedback vector: No feedback vector/, "called once before: none yet");
    assert.match(after ?? "", /- feedback vector: 0x[0-9a-f]+: \[FeedbackVector\]/, "called once after: one at its first call");
  });

  it("leaves Node's own modules of a daemon's start to Node's code cache, which the flag on the command line refuses", async () => {
    const underOurFlags = await aStartUnderOurFlags();
    assert.deepEqual(underOurFlags.fromSource, []);
    const underTheFlag = await builtinsOfAStart([...DAEMON_FLAGS, EAGER_FEEDBACK]);
    for (const module of ["stream", "internal/modules/esm/loader"]) assert.ok(underTheFlag.fromSource.includes(module), underTheFlag.fromSource.join(" "));
  });

  it("loads neither perf_hooks nor fs's streams at a start: the daemon's clock and imports need neither", async () => {
    const { loaded } = await aStartUnderOurFlags();
    assert.ok(loaded.includes("net"), loaded.join(" "));
    for (const module of ["perf_hooks", "internal/fs/streams"]) assert.ok(!loaded.includes(module), `${module} loaded: ${loaded.join(" ")}`);
  });
});
