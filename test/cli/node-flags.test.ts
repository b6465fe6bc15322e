// The node flags p2pchat runs with are chosen for it (the top of src/cli/main.ts says why) and
// written in three places: the command's shebang, `npm start` and deploy/chat.service. The bench
// reads them from the shebang. A flag changed in one place and not the others would measure one
// daemon and ship another.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { nodeFlagsOf } from "../../bench/impl.js";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const repoRoot = process.cwd();
const read = (file: string) => readFileSync(join(repoRoot, file), "utf8");

/** The words between `node` and the script in a command line. */
function flagsBefore(script: string, commandLine: string): string[] {
  const words = commandLine.trim().split(/\s+/);
  const node = words.findIndex((word) => word === "node" || word.endsWith("/node"));
  const at = words.indexOf(script);
  assert.ok(node >= 0 && at > node, `node ... ${script} in: ${commandLine}`);
  return words.slice(node + 1, at);
}

describe("node flags", () => {
  const shebang = read("src/cli/main.ts").split("\n", 1)[0] ?? "";
  const flags = shebang.replace(/^#!\/usr\/bin\/env -S node /, "").split(/\s+/).filter(Boolean);

  it("are in the command's shebang, and the build keeps them", () => {
    assert.match(shebang, /^#!\/usr\/bin\/env -S node --/);
    assert.ok(flags.includes("--no-memory-reducer"), flags.join(" "));
    assert.deepEqual(nodeFlagsOf(join(repoRoot, "dist/src/cli/main.js")), flags);
  });

  it("are the same in npm start and in the service unit", () => {
    const start = (JSON.parse(read("package.json")) as { scripts: { start: string } }).scripts.start;
    assert.deepEqual(flagsBefore("dist/src/cli/main.js", start.split("&&").at(-1)!.replace(/^\s*exec /, "")), flags);
    const execStart = /^ExecStart=(.*)$/m.exec(read("deploy/chat.service"))?.[1] ?? "";
    assert.deepEqual(flagsBefore("/opt/p2pchat/dist/src/cli/main.js", execStart), flags);
  });

  it("are taken by this node", () => {
    const result = spawnSync(process.execPath, [...flags, "-e", "0"], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
  });
});
