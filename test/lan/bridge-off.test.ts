// The bridge costs nothing when it is off: a daemon whose config names no bridge listen address
// and no bridge peer never loads libp2p (nor any bridge module), and `--version` loads no library
// at all. Checked with a module hook that lists every file the process loads
// (test/support/loaded-files.ts); the same hook on a daemon with the bridge on must list libp2p,
// so the check cannot pass by seeing nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { after, test } from "node:test";
import { BRIDGE_PORT, makeKeyFile, type BridgeView } from "./bridge-sites.js";
import { repoRoot, requireLan, withLan, type Lan, type LanHost } from "./netns.js";
import { httpUp } from "./scenario.js";
import { rssMb } from "./room.js";
import { loadRecorder, packagesOf } from "../support/loaded-files.js";
import { waitFor } from "../support/wait.js";

const CLI = path.join(repoRoot, "dist", "src", "cli", "main.js");
const recorder = loadRecorder();
after(() => recorder.remove());

/** The bridge's entry (the one module node.ts imports dynamically) and the module that runs libp2p.
 *  Its libp2p-free helpers (the room key's check, the identity file's default place) may load with
 *  the config. Should a bundle rename them, the check with the bridge on fails and says so. */
// The command line is bundled (scripts/bundle.mjs): the bridge is its chunk "bridge.js"; tsc's own
// files are named for a build without the bundle. The daemon's chunk is a script, read from its
// code cache rather than through the module loader (src/cli/compiled-script.ts), so the hook sees
// the command's main.js for it; the bundle lets that script require nothing but Node's built-in
// modules, and the half with the bridge on shows the hook seeing what the script import()s.
const isBridgeModule = (file: string) => /\/dist\/src\/(bridge\/(index|bridge)|cli\/chunks\/bridge)\.js$/.test(file);
const isDaemonModule = (file: string) => /\/dist\/src\/(node\.js|cli\/main\.js)$/.test(file);

/** Starts the daemon on `host` under the hook; resolves once HTTP answers, with how long that took. */
async function daemon(lan: Lan, host: LanHost, name: string, args: string[]) {
  const { env, loaded } = recorder.list(name);
  const started = performance.now();
  const proc = lan.spawn(host, process.execPath, [...recorder.nodeArgs, CLI, "--peer-id", name, "--broadcast", lan.broadcast, "--http-bind", host.address, ...args],
    { name, env, cwd: lan.artifactsDir });
  await httpUp(lan, host, 15_000).catch((error: Error) => {
    throw new Error(`${error.message}\n${proc.output()}`);
  });
  const startupMs = performance.now() - started;
  return { proc, loaded, startupMs };
}

test("bridge off: --version loads no library, and a daemon without bridge listen or peers never loads libp2p", async (t) => {
  if (!requireLan(t)) return;
  // --version: the version, and nothing from node_modules.
  const version = recorder.list("version");
  const result = spawnSync(process.execPath, [...recorder.nodeArgs, CLI, "--version"], { encoding: "utf8", timeout: 10_000, env: { ...process.env, ...version.env } });
  const { version: expected } = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
  assert.equal(result.stdout, `${expected}\n`);
  assert.deepEqual(packagesOf(version.loaded()), []);
  assert.ok(version.loaded().some((f) => f.endsWith("/cli/main.js")), "the hook saw --version's own files");

  await withLan({ hosts: 1 }, async (lan) => {
    const [host] = lan.hosts as [LanHost];
    const keyFile = makeKeyFile(path.join(lan.artifactsDir, "room.key"));

    // Off, with the bridge's other settings given: a room and a key, but nowhere to listen or dial.
    const off = await daemon(lan, host, "bridge-off", ["--bridge-room", "quiet", "--bridge-key-file", keyFile]);
    const offPeers = (await lan.http(host, "/peers")).body as { bridge?: BridgeView | null };
    assert.equal(offPeers.bridge ?? null, null, "GET /peers: no bridge when it is off");
    const offRss = rssMb(off.proc.pid);
    off.proc.kill("SIGTERM");
    await off.proc.exited;
    const offFiles = off.loaded();
    assert.ok(offFiles.some(isDaemonModule), `the hook saw the daemon's own files: ${offFiles.length} files`);
    // ini, the config reader, is the one library the daemon needs; the bundle carries it inside.
    assert.deepEqual(packagesOf(offFiles).filter((p) => p !== "ini"), [], "no library but ini in a daemon without a bridge");
    assert.deepEqual(offFiles.filter(isBridgeModule), [], "no bridge module loaded");

    // On: the same hook lists libp2p, and the bridge module that imports it.
    const on = await daemon(lan, host, "bridge-on", ["--bridge-listen", `/ip4/${host.address}/tcp/${BRIDGE_PORT}`, "--bridge-key-file", keyFile,
      "--bridge-identity-file", path.join(lan.artifactsDir, "identity.key")]);
    // HTTP answers first; the bridge joins once libp2p has loaded and started.
    await waitFor(async () => ((await lan.http(host, "/peers")).body as { bridge?: BridgeView | null }).bridge?.id,
      { timeoutMs: 15_000, what: "GET /peers to show the bridge when it is on" });
    const onRss = rssMb(on.proc.pid);
    on.proc.kill("SIGTERM");
    await on.proc.exited;
    const onPackages = packagesOf(on.loaded());
    assert.ok(onPackages.includes("libp2p") && onPackages.some((p) => p.startsWith("@libp2p/")), `libp2p among ${onPackages.join(" ")}`);
    assert.ok(on.loaded().some(isBridgeModule), "the bridge module is loaded when the bridge is on");

    t.diagnostic(`without a bridge: ${offFiles.length} files, packages ${packagesOf(offFiles).join(" ")}, HTTP up ${off.startupMs.toFixed(0)} ms after spawn, RSS ${offRss.toFixed(0)} MB`);
    t.diagnostic(`with a bridge: ${on.loaded().length} files from ${onPackages.length} packages, HTTP up ${on.startupMs.toFixed(0)} ms after spawn, RSS ${onRss.toFixed(0)} MB`);
  });
});
