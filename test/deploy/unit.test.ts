// deploy/chat.service as a file: what systemd-analyze says of it, and that it agrees with the
// installer and the daemon. (Running it under a real systemd: systemd.test.ts.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { EX_CONFIG } from "../../src/config/errors.js";
import { LAYOUT, renderUnit, UNIT_NODE } from "../../src/service/install.js";

const TEMPLATE = readFileSync(join(process.cwd(), "deploy", "chat.service"), "utf8");
/** The unit as the installer writes it: with the node that runs these tests. */
const INSTALLED = renderUnit(TEMPLATE, process.execPath);

const dir = mkdtempSync(join(tmpdir(), "p2pchat-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function haveSystemdAnalyze(t: TestContext): boolean {
  if (spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0) return true;
  if (process.env.CI) throw new Error("systemd-analyze is missing on this CI machine (Debian package systemd)");
  t.skip("systemd-analyze not installed (Debian package systemd)");
  return false;
}

/** Writes `text` as <dir>/<name>/chat.service (systemd-analyze takes the unit name from the file). */
function unitFile(name: string, text: string): string {
  const sub = join(dir, name);
  spawnSync("mkdir", ["-p", sub]);
  const file = join(sub, "chat.service");
  writeFileSync(file, text);
  return file;
}

function verify(file: string) {
  return spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
}

/** The [Service] settings of a unit, each key with all its values. */
function settings(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

describe("deploy/chat.service", () => {
  it("passes systemd-analyze verify without a single warning", (t) => {
    if (!haveSystemdAnalyze(t)) return;
    const result = verify(unitFile("good", INSTALLED));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr + result.stdout, "", "verify printed nothing");
  });

  it("would catch a mistake: verify prints a warning (with exit 0) for an unknown key", (t) => {
    if (!haveSystemdAnalyze(t)) return;
    const result = verify(unitFile("typo", INSTALLED.replace("[Service]\n", "[Service]\nRestartPreventExitStatuss=78\n")));
    assert.match(result.stderr, /Unknown key 'RestartPreventExitStatuss'/);
  });

  it("rates 2.0 or better (OK) in systemd-analyze security", (t) => {
    if (!haveSystemdAnalyze(t)) return;
    const result = spawnSync("systemd-analyze", ["security", "--offline=yes", "--no-pager", unitFile("security", INSTALLED)], {
      encoding: "utf8",
    });
    const score = /Overall exposure level for chat\.service: (\d+\.\d+) (\S+)/.exec(result.stdout);
    assert.ok(score, result.stdout + result.stderr);
    t.diagnostic(`systemd-analyze security --offline=yes: ${score[1]} ${score[2]}`);
    assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]}`);
  });

  it("runs what the installer installs, as its user, the way the daemon expects", () => {
    const unit = settings(TEMPLATE);
    assert.deepEqual(unit.get("ExecStart"), [
      `${UNIT_NODE} --no-memory-reducer ${LAYOUT.appDir}/dist/src/cli/main.js --config ${LAYOUT.configFile} --history-file /var/lib/p2pchat/history.json`,
    ]);
    // The history file's directory: made by systemd for the service user, writable under ProtectSystem=strict.
    assert.deepEqual(unit.get("StateDirectory"), ["p2pchat"]);
    // One descriptor per connection: [TCP] max_connections (2048) in, one out per peer.
    assert.ok(Number(unit.get("LimitNOFILE")?.[0]) >= 4096);
    assert.deepEqual(unit.get("User"), [LAYOUT.user]);
    assert.deepEqual(unit.get("Type"), ["notify"]);
    // systemd-notify is a child of the main process (src/cli/systemd-notify.ts).
    assert.deepEqual(unit.get("NotifyAccess"), ["all"]);
    assert.deepEqual(unit.get("Restart"), ["on-failure"]);
    assert.deepEqual(unit.get("RestartPreventExitStatus"), [String(EX_CONFIG)]);
    assert.deepEqual(unit.get("CapabilityBoundingSet"), [""]);
    // The daemon's own SIGTERM deadline (4 s, src/cli/daemon.ts) comes first.
    assert.ok(Number(unit.get("TimeoutStopSec")?.[0]) > 4);
  });

  it("is rendered with the installer's node in ExecStart and nothing else changed", () => {
    const rendered = renderUnit(TEMPLATE, "/usr/local/bin/node");
    assert.match(rendered, /^ExecStart=\/usr\/local\/bin\/node --no-memory-reducer \/opt\/p2pchat\/dist\/src\/cli\/main\.js/m);
    assert.equal(rendered.replace("/usr/local/bin/node", UNIT_NODE), TEMPLATE);
  });
});
