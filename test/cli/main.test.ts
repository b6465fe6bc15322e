// `p2pchat` itself: --help and --version, and that each way in loads only what it uses.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { SUBCOMMANDS } from "../../src/cli/commands.js";
import { LAYOUT } from "../../src/service/install.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");
const dir = mkdtempSync(join(tmpdir(), "p2pchat-main-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// A module hook that writes down every file the process loads (hooks run on their own thread in
// Node 20, so a file, not stdout).
const hooks = join(dir, "hooks.mjs");
writeFileSync(hooks, `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  if (url.startsWith("file:")) appendFileSync(process.env.P2PCHAT_LOADED, url + "\\n");
  return next(url, context);
}`);
const register = join(dir, "register.mjs");
writeFileSync(register, `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`);

let runs = 0;
/** Runs p2pchat; `loaded` are the files under dist/src it loaded: "cli/main.js" (the bundle,
 *  scripts/bundle.mjs), then its chunks by name: "daemon", "status", "usage"... for the modules
 *  main.ts imports lazily, each one self-contained. */
function p2pchat(args: string[]): { status: number | null; stdout: string; loaded: string[] } {
  const list = join(dir, `loaded-${runs++}.txt`);
  writeFileSync(list, "");
  const result = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, CLI, ...args], {
    encoding: "utf8", timeout: 10_000, env: { ...process.env, P2PCHAT_LOADED: list },
  });
  const loaded = readFileSync(list, "utf8").split("\n").filter(Boolean)
    .flatMap((url) => /\/dist\/src\/(.*)$/.exec(url)?.slice(1) ?? [])
    .map((file) => /^cli\/chunks\/(.*)\.js$/.exec(file)?.[1] ?? file);
  return { status: result.status, stdout: result.stdout, loaded };
}

const COMMAND_MODULES = ["send", "messages", "peers", "status", "install-service", "probe"];
const DAEMON_MODULES = ["daemon"];

describe("p2pchat --version and --help", () => {
  it("--version prints the version and loads nothing but the version", () => {
    const { status, stdout, loaded } = p2pchat(["--version"]);
    assert.equal(status, 0);
    const { version } = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")) as { version: string };
    assert.equal(stdout, `${version}\n`);
    // One file: no command, no daemon, not --help's text.
    assert.deepEqual(loaded, ["cli/main.js"]);
  });

  it("--help lists every command with its summary, loading none of them nor the daemon", () => {
    const { status, stdout, loaded } = p2pchat(["--help"]);
    assert.equal(status, 0);
    for (const [name, { summary }] of Object.entries(SUBCOMMANDS)) {
      assert.ok(stdout.includes(`  ${name} `) && stdout.includes(summary), name);
    }
    assert.deepEqual(loaded, ["cli/main.js", "usage"]);
    for (const heavy of [...COMMAND_MODULES, ...DAEMON_MODULES]) assert.ok(!loaded.includes(heavy), heavy);
  });

  it("names the service's real unit in install-service's summary", () => {
    assert.match(SUBCOMMANDS["install-service"]?.summary ?? "", new RegExp(`"${LAYOUT.unit}"`));
  });

  it("a command loads its own module, and not the daemon", () => {
    const { status, loaded } = p2pchat(["status", "--help"]);
    assert.equal(status, 0);
    assert.deepEqual(loaded, ["cli/main.js", "status"]);
    for (const other of [...COMMAND_MODULES.filter((m) => m !== "status"), ...DAEMON_MODULES]) {
      assert.ok(!loaded.includes(other), other);
    }
  });
});
