// The installer's parts that need no systemd: what ships as the app and the default config.
// (The whole installer runs under a real systemd in systemd.test.ts.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig, type SystemFacts } from "../../src/config/load.js";
import { copyApp, productionPackages } from "../../src/service/app-files.js";
import { defaultConfig } from "../../src/service/install.js";

const REPO = process.cwd();
const root = mkdtempSync(join(tmpdir(), "p2pchat-install-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("the installed app", () => {
  it("holds the built app and its production packages, nothing of the development setup, and runs", () => {
    const dest = join(root, "app");
    const { packages } = copyApp(REPO, dest);
    const lock = productionPackages(readFileSync(join(REPO, "package-lock.json"), "utf8"));
    assert.equal(packages, lock.length);
    // Top-level entries: a scope (@libp2p) holds several packages, a nested package lives in its parent.
    assert.deepEqual(readdirSync(join(dest, "node_modules")).sort(), [...new Set(lock.map((p) => p.path.split("/")[1]))].sort());
    for (const devOnly of ["src", "test", "scripts", "tsconfig.json", "dist/test", "dist/.tsbuildinfo", "node_modules/typescript", ".git"]) {
      assert.equal(existsSync(join(dest, devOnly)), false, `${devOnly} is not installed`);
    }
    for (const needed of ["package.json", "dist/src/cli/main.js", "config/config.example.ini", "deploy/chat.service"]) {
      assert.ok(existsSync(join(dest, needed)), `${needed} is installed`);
    }
    assert.equal(statSync(join(dest, "dist/src/cli/main.js")).mode & 0o777, 0o644);
    assert.equal(statSync(join(dest, "dist/src/cli")).mode & 0o777, 0o755);
    // It runs from there with only what was copied: the config loader needs ini and zod.
    const run = spawnSync(process.execPath, [join(dest, "dist/src/cli/main.js"), "--port", "0"], { encoding: "utf8", cwd: root });
    assert.equal(run.status, 78, run.stderr);
    assert.match(run.stderr, /command line: --port = "0": expected an integer from 1 to 65535/);
  });

  it("takes the production packages from the lock file: not dev ones, optional ones only if present", () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "": { name: "p2pchat" },
        "node_modules/ini": { version: "6.0.0" },
        "node_modules/typescript": { version: "5.9.0", dev: true },
        "node_modules/fsevents": { version: "2.3.3", optional: true },
        "node_modules/a/node_modules/b": { version: "1.0.0" },
        "node_modules/linked": { link: true },
      },
    });
    assert.deepEqual(productionPackages(lock), [
      { path: "node_modules/a/node_modules/b", optional: false },
      { path: "node_modules/fsevents", optional: true },
      { path: "node_modules/ini", optional: false },
    ]);
    assert.throws(() => productionPackages(JSON.stringify({ lockfileVersion: 1, dependencies: {} })), /no "packages"/);
    assert.throws(() => productionPackages("{"), /not JSON/);
  });

  it("refuses a checkout whose node_modules lack a production package", () => {
    const source = join(root, "incomplete");
    mkdirSync(join(source, "dist/src/cli"), { recursive: true });
    writeFileSync(join(source, "dist/src/cli/main.js"), "");
    writeFileSync(join(source, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: { "node_modules/zod": {} } }));
    assert.throws(() => copyApp(source, join(root, "never")), /node_modules\/zod is missing .* run npm ci/);
  });
});

describe("the default /etc/p2pchat/config.ini", () => {
  it("is the reference with every key commented out: it loads, to exactly the defaults", () => {
    const example = readFileSync(join(REPO, "config", "config.example.ini"), "utf8");
    const file = join(root, "default.ini");
    writeFileSync(file, defaultConfig(example));
    const system: SystemFacts = { hostname: () => "vm", networkInterfaces: () => ({}) };
    const fromFile = loadConfig(["--config", file], { system });
    const fromNothing = loadConfig([], { cwd: root, system });
    assert.deepEqual(fromFile.config, fromNothing.config);
    assert.match(defaultConfig(example), /sudo systemctl reload chat/);
  });
});

describe("install-service refuses, and changes nothing, when", () => {
  const CLI = join(REPO, "dist/src/cli/main.js");

  it("not run as root (exit 77)", (t) => {
    if (process.getuid?.() !== 0) {
      const run = spawnSync(process.execPath, [CLI, "install-service"], { encoding: "utf8" });
      assert.equal(run.status, 77, run.stderr);
      return;
    }
    // As root: drop to nobody for this one run (setpriv comes with util-linux).
    if (spawnSync("sh", ["-c", "command -v setpriv"]).status !== 0) return t.skip("setpriv not installed");
    const run = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, "install-service"],
      { encoding: "utf8" });
    assert.equal(run.status, 77, run.stderr);
    assert.match(run.stderr, /^p2pchat install-service: must run as root: sudo node dist\/src\/cli\/main\.js install-service\n$/);
  });

  it("systemd is not running (exit 1)", (t) => {
    if (process.getuid?.() !== 0) return t.skip("needs root (as anyone else the root check comes first)");
    // On a machine booted with systemd the command would really install: there it runs in a mount
    // namespace of its own where /run/systemd is an empty tmpfs, so this runs (and is not skipped
    // on CI) wherever the tests run as root. `set -e`: if the mount fails, nothing is run.
    const run = existsSync("/run/systemd/system")
      ? spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-ec",
        'mount -t tmpfs none /run/systemd && exec "$0" "$@"', process.execPath, CLI, "install-service"], { encoding: "utf8" })
      : spawnSync(process.execPath, [CLI, "install-service"], { encoding: "utf8" });
    assert.equal(run.error, undefined, "unshare (util-linux) runs");
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stderr, "p2pchat install-service: systemd is not running on this machine\n");
    assert.equal(existsSync("/opt/p2pchat"), false);
  });

  it("the command line makes no sense (exit 64)", () => {
    const both = spawnSync(process.execPath, [CLI, "install-service", "--uninstall", "--no-start"], { encoding: "utf8" });
    assert.equal(both.status, 64);
    const unknown = spawnSync(process.execPath, [CLI, "install-service", "--prefix=/usr"], { encoding: "utf8" });
    assert.equal(unknown.status, 64);
    assert.match(unknown.stderr, /Unknown option '--prefix'/);
  });
});
