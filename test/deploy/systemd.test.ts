// The chat service under a real systemd, installed the way a user installs it: a minimal Debian
// booted with systemd-nspawn (nspawn.ts), this checkout bind-mounted read-only, and
// `node dist/src/cli/main.js install-service` run inside. Then everything `systemctl` and
// `journalctl` promise in the README is checked for real: readiness, the service user, journal
// priorities, reload, restart after SIGKILL, a clean stop, a bad config that is not retried, the
// hardening score, and an uninstall that keeps the config.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { performance } from "node:perf_hooks";
import { statFields } from "../../bench/proc.js";
import { LAYOUT } from "../../src/service/install.js";
import { waitFor } from "../support/wait.js";
import { bootContainer, ensureRootfs, librariesMissingIn, requireSystemdContainer, systemdContainerAvailable, type Container } from "./nspawn.js";

const REPO = process.cwd();
/** Where the checkout appears inside the container (read-only). */
const SOURCE = "/usr/src/p2pchat";
const NODE = "/usr/bin/node";
const UNIT = `${LAYOUT.unit}.service`;
const ARTIFACTS = path.join(REPO, "test-artifacts", "systemd");
const PROBE = path.join(REPO, "dist", "test", "deploy", "probe-peer.js");

/**
 * The container has only its loopback (--private-network), so the peer is told to broadcast there:
 * never to 255.255.255.255 or a real LAN. A short interval lets the probe hear a hello at once.
 */
const TEST_CONFIG = `[NETWORK_INFO]
peer_id = box
broadcast_address = 127.255.255.255

[DISCOVERY]
interval = 0.5
`;
const BAD_PORT = TEST_CONFIG.replace("broadcast_address", "port = 99999\nbroadcast_address");

interface JournalEntry {
  message: string;
  priority: number;
  pid: string | undefined;
}

const timings: Record<string, number> = {};
let box: Container | undefined;

function container(): Container {
  if (!box) throw new Error("the container did not boot (see the before hook)");
  return box;
}

async function show(...properties: string[]): Promise<Record<string, string>> {
  const { stdout } = await container().exec("systemctl", ["show", UNIT, `--property=${properties.join(",")}`]);
  return Object.fromEntries(stdout.trim().split("\n").map((line) => {
    const eq = line.indexOf("=");
    return [line.slice(0, eq), line.slice(eq + 1)];
  }));
}

async function journal(): Promise<JournalEntry[]> {
  const { stdout } = await container().exec("journalctl", ["--unit", UNIT, "--output=json", "--no-pager"]);
  return stdout.split("\n").filter(Boolean).map((line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return {
      message: typeof entry.MESSAGE === "string" ? entry.MESSAGE : JSON.stringify(entry.MESSAGE),
      priority: Number(entry.PRIORITY),
      pid: typeof entry._PID === "string" ? entry._PID : undefined,
    };
  });
}

/** Waits for a journal line of chat.service matching `pattern`, among those after `skip` entries. */
async function journalLine(pattern: RegExp, skip = 0): Promise<JournalEntry> {
  return waitFor(async () => (await journal()).slice(skip).find((entry) => pattern.test(entry.message)), {
    timeoutMs: 5_000,
    what: `a journal line of ${UNIT} matching ${pattern}`,
  });
}

function writeConfig(text: string): void {
  // Through the host's view of the container's root; the file keeps its owner and mode.
  fs.writeFileSync(path.join(container().root, LAYOUT.configFile), text);
}

async function installService(...flags: string[]) {
  return container().exec(NODE, [`${SOURCE}/dist/src/cli/main.js`, "install-service", ...flags], { mayFail: true, timeoutMs: 60_000 });
}

async function probe(): Promise<{ http: number; httpIsHistory: boolean; texts: unknown[]; tcp: Record<string, unknown>; udpTaken: boolean; hello: Record<string, unknown> }> {
  const { stdout } = await container().execInNetwork(process.execPath, [PROBE, "check", "127.0.0.1", "9876", "8000"]);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof probe>>;
}

async function assertServing(what: string): Promise<void> {
  const seen = await probe();
  assert.equal(seen.http, 200, `${what}: GET /messages`);
  assert.equal(seen.httpIsHistory, true, `${what}: /messages is a history object`);
  assert.match(String(seen.tcp.message), /^E_NOT_INTRODUCED/, `${what}: TCP answers by the protocol`);
  assert.equal(seen.udpTaken, true, `${what}: UDP 9876 is bound`);
  assert.deepEqual(seen.hello, { command: "hello", peer_id: "box" }, `${what}: hellos are broadcast`);
}

const available = systemdContainerAvailable();

describe("the chat service under a real systemd (systemd-nspawn)", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    // Skipped (or failed, on CI) by the first test; nothing to prepare.
    if (!available.ok) return;
    const started = performance.now();
    const rootfs = await ensureRootfs(path.join(ARTIFACTS, "debootstrap.log"));
    timings[rootfs.built ? "rootfs built (cold)" : "rootfs from cache (warm)"] = rootfs.ms;
    const booting = performance.now();
    const node = fs.realpathSync(process.execPath);
    box = await bootContainer({
      rootfs: rootfs.path,
      binds: [
        // The host's node as the system node of the container, with whatever libraries of its
        // the container's Debian (the host's own release) does not have.
        { host: node, at: NODE },
        ...librariesMissingIn(rootfs.path, node).map((library) => ({ host: library })),
        { host: REPO, at: SOURCE },
      ],
    });
    timings["boot to is-system-running"] = performance.now() - booting;
    timings["ready for the tests"] = performance.now() - started;
  });

  after(async () => {
    if (!box) return;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const log = await box.exec("journalctl", ["--boot", "--no-pager", "--output=short-precise"], { mayFail: true });
    fs.writeFileSync(path.join(ARTIFACTS, "journal.log"), log.stdout + log.stderr);
    const stopping = performance.now();
    const console = box.consoleOutput();
    await box.destroy();
    fs.writeFileSync(path.join(ARTIFACTS, "console.log"), console);
    process.stderr.write(`container shutdown and cleanup: ${Math.round(performance.now() - stopping)} ms\n`);
  });

  it("boots a container with systemd", (t: TestContext) => {
    if (!requireSystemdContainer(t)) return;
    assert.ok(box, "the container is up");
    for (const [what, ms] of Object.entries(timings)) t.diagnostic(`${what}: ${Math.round(ms)} ms`);
  });

  it("install-service --no-start writes a default config and enables, but does not start, the unit", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const started = performance.now();
    const result = await installService("--no-start");
    t.diagnostic(`install-service --no-start: ${Math.round(performance.now() - started)} ms`);
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /system user p2pchat: created/);
    assert.match(result.stdout, /config: \/etc\/p2pchat\/config\.ini written/);

    const config = fs.statSync(path.join(container().root, LAYOUT.configFile));
    assert.equal(config.mode & 0o777, 0o640, "config is 0640");
    const group = await container().exec("stat", ["-c", "%U:%G", LAYOUT.configFile]);
    assert.equal(group.stdout.trim(), "root:p2pchat", "root writes the config, the service's group reads it");
    const text = fs.readFileSync(path.join(container().root, LAYOUT.configFile), "utf8");
    assert.ok(text.split("\n").every((line) => !/^\s*[a-z_]+\s*=/.test(line)), "every key is commented out");

    assert.equal((await container().exec("systemctl", ["is-enabled", UNIT])).stdout.trim(), "enabled");
    const state = await container().exec("systemctl", ["is-active", UNIT], { mayFail: true });
    assert.equal(state.stdout.trim(), "inactive");
  });

  it("install-service again keeps the config, starts the service, and it is ready when start returns", async (t) => {
    if (!requireSystemdContainer(t)) return;
    writeConfig(TEST_CONFIG);
    const started = performance.now();
    const result = await installService();
    t.diagnostic(`install-service (update + start): ${Math.round(performance.now() - started)} ms`);
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /system user p2pchat: exists/);
    assert.match(result.stdout, /config: \/etc\/p2pchat\/config\.ini exists, kept/);
    assert.equal(fs.readFileSync(path.join(container().root, LAYOUT.configFile), "utf8"), TEST_CONFIG);

    // Type=notify: `systemctl restart` returned only after READY=1, so every socket must answer now.
    await assertServing("right after start returned");
    const state = await show("ActiveState", "SubState", "StatusText");
    assert.equal(state.ActiveState, "active");
    assert.equal(state.SubState, "running");
    assert.match(state.StatusText ?? "", /peer "box": UDP\/TCP 9876/);
  });

  it("runs as the unprivileged user p2pchat, with no capabilities", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const { MainPID: pid } = await show("MainPID");
    assert.ok(Number(pid) > 0, `main pid ${pid}`);
    const status = (await container().exec("cat", [`/proc/${pid}/status`])).stdout;
    const uid = (await container().exec("id", ["-u", LAYOUT.user])).stdout.trim();
    assert.notEqual(uid, "0");
    assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"), "every uid is p2pchat's");
    assert.match(status, /^CapEff:\s+0+$/m, "no effective capabilities");
    assert.match(status, /^CapBnd:\s+0+$/m, "an empty bounding set");
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    const exe = (await container().exec("cat", [`/proc/${pid}/cmdline`])).stdout.split("\0");
    assert.deepEqual(exe.slice(0, 5), [NODE, "--no-memory-reducer", `${LAYOUT.appDir}/dist/src/cli/main.js`, "--config", LAYOUT.configFile]);
  });

  it("runs its helper threads at the lowest priority under the unit's system call filter", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const { MainPID: pid } = await show("MainPID");
    // Each line: a thread id, then its stat, whose field 19 is its nice value.
    const { stdout } = await container().exec("sh", ["-c", 'for t in /proc/"$1"/task/*; do echo "${t##*/} $(cat "$t/stat")"; done', "sh", pid!]);
    const nice = new Map(stdout.trim().split("\n").map((line) => {
      const thread = line.slice(0, line.indexOf(" "));
      return [thread, Number(statFields(line)[16])] as const;
    }));
    assert.equal(nice.get(pid!), 0, "the main thread at the unit's priority");
    const helpers = [...nice].filter(([thread]) => thread !== pid);
    assert.ok(helpers.length >= 4, stdout);
    assert.ok(helpers.filter(([, value]) => value === 19).length >= 4, `setpriority let through: ${JSON.stringify([...nice])}`);
  });

  it("logs its startup lines to the journal with their priorities", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const starting = await journalLine(/^p2pchat \S+ starting as "box": UDP\/TCP port 9876, broadcast 127\.255\.255\.255/);
    const listening = await journalLine(/^listening: UDP and TCP on 9876, HTTP on 127\.0\.0\.1:8000$/);
    assert.equal(starting.priority, 6, "info");
    assert.equal(listening.priority, 6, "info");
    const { MainPID: pid } = await show("MainPID");
    assert.equal(listening.pid, pid, "logged by the main process");
    assert.ok((await journal()).every((entry) => !/^<\d>/.test(entry.message)), "journald took the <N> prefixes as priorities");
  });

  it("rates 2.0 or better (OK) in systemd-analyze security", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const { stdout } = await container().exec("systemd-analyze", ["security", UNIT, "--no-pager"]);
    const score = /Overall exposure level for chat\.service: (\d+\.\d+) (\S+)/.exec(stdout);
    assert.ok(score, stdout);
    t.diagnostic(`systemd-analyze security ${UNIT}: ${score[1]} ${score[2]}`);
    assert.ok(Number(score[1]) <= 2.0, `exposure ${score[1]} ${score[2]}`);
  });

  it("systemctl reload applies what can change live, names what needs a restart, and survives a bad file", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const { MainPID: pid } = await show("MainPID");
    let skip = (await journal()).length;
    writeConfig(TEST_CONFIG.replace("[DISCOVERY]", "[HTTP]\nport = 8001\n\n[DISCOVERY]") + "\n[LOG]\nlevel = debug\n");
    await container().exec("systemctl", ["reload", UNIT]);
    const applied = await journalLine(/^SIGHUP: config reloaded: applied \[LOG\] level "info" -> "debug"$/, skip);
    assert.equal(applied.priority, 6);
    const restart = await journalLine(/^SIGHUP: restart to apply \[HTTP\] port 8000 -> 8001/, skip);
    assert.equal(restart.priority, 4, "warning");
    // Debug lines now reach the journal; the HTTP port stays what the socket was bound to.
    await journalLine(/^told systemd STATUS=/, skip);
    await assertServing("after a reload");

    skip = (await journal()).length;
    writeConfig(BAD_PORT);
    await container().exec("systemctl", ["reload", UNIT]);
    const refused = await journalLine(/^SIGHUP: config not reloaded/, skip);
    assert.equal(refused.priority, 3, "error");
    assert.match(refused.message, /\/etc\/p2pchat\/config\.ini: \[NETWORK_INFO\] port = "99999": expected an integer from 1 to 65535/);
    const state = await show("ActiveState", "MainPID");
    assert.deepEqual(state, { ActiveState: "active", MainPID: pid }, "still the same running process");
    writeConfig(TEST_CONFIG);
  });

  it("is restarted by systemd after SIGKILL, with its history from /var/lib/p2pchat", async (t) => {
    if (!requireSystemdContainer(t)) return;
    await container().execInNetwork(process.execPath, [PROBE, "send", "127.0.0.1", "8000", "kept across SIGKILL"]);
    // The history file is written within 200 ms of a change.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const before = await show("MainPID", "NRestarts");
    const killed = performance.now();
    // dash's own kill: the minimal Debian has no kill(1).
    await container().exec("sh", ["-c", 'kill -KILL "$1"', "sh", before.MainPID!]);
    const after = await waitFor(async () => {
      const now = await show("MainPID", "NRestarts", "ActiveState");
      return now.ActiveState === "active" && now.MainPID !== before.MainPID && now.MainPID !== "0" ? now : undefined;
    }, { timeoutMs: 15_000, what: "systemd to restart the killed service" });
    t.diagnostic(`SIGKILL to active again: ${Math.round(performance.now() - killed)} ms (RestartSec=1)`);
    assert.equal(Number(after.NRestarts), Number(before.NRestarts) + 1);
    await assertServing("after the restart");
    assert.ok((await probe()).texts.includes("kept across SIGKILL"), "the history survived the restart");
  });

  it("systemctl stop closes connections and exits 0 within 5 s: inactive, not failed", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const held = container().spawnInNetwork(process.execPath, [PROBE, "hold", "127.0.0.1", "9876"]);
    let output = "";
    held.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const closed = new Promise<void>((resolve) => held.on("exit", () => resolve()));
    await waitFor(() => output.includes('"held":true'), { timeoutMs: 5_000, what: "the probe's connection to be up" });

    const skip = (await journal()).length;
    const started = performance.now();
    await container().exec("systemctl", ["stop", UNIT]);
    const took = performance.now() - started;
    t.diagnostic(`systemctl stop: ${Math.round(took)} ms`);
    assert.ok(took < 5_000, `stopped in ${took} ms`);
    await closed;
    assert.match(output, /"closed":true/, "the daemon closed the held connection");
    const state = await show("ActiveState", "Result", "ExecMainCode", "ExecMainStatus");
    assert.deepEqual(state, { ActiveState: "inactive", Result: "success", ExecMainCode: "1", ExecMainStatus: "0" });
    await journalLine(/^SIGTERM: shutting down$/, skip);
  });

  it("a bad config fails the start with exit 78, is not restarted, and the journal names the key", async (t) => {
    if (!requireSystemdContainer(t)) return;
    writeConfig(BAD_PORT);
    const skip = (await journal()).length;
    const start = await container().exec("systemctl", ["start", UNIT], { mayFail: true });
    assert.notEqual(start.status, 0, "systemctl start fails");
    const line = await journalLine(/^config error:/, skip);
    assert.equal(line.message, 'config error: /etc/p2pchat/config.ini: [NETWORK_INFO] port = "99999": expected an integer from 1 to 65535');
    assert.equal(line.priority, 3, "error");
    // RestartSec=1: a restart would have happened by now; RestartPreventExitStatus=78 forbids it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const state = await show("ActiveState", "Result", "ExecMainStatus", "NRestarts");
    assert.deepEqual(state, { ActiveState: "failed", Result: "exit-code", ExecMainStatus: "78", NRestarts: "0" });
  });

  it("install-service --uninstall removes the service and the app and keeps the config; twice is fine", async (t) => {
    if (!requireSystemdContainer(t)) return;
    const result = await installService("--uninstall");
    assert.equal(result.status, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /kept: \/etc\/p2pchat\/config\.ini/);
    const root = container().root;
    assert.equal(fs.existsSync(path.join(root, LAYOUT.appDir)), false, "app removed");
    assert.equal(fs.existsSync(path.join(root, LAYOUT.unitFile)), false, "unit removed");
    assert.equal(fs.readFileSync(path.join(root, LAYOUT.configFile), "utf8"), BAD_PORT, "config kept as it was");
    const state = await show("LoadState", "ActiveState");
    assert.deepEqual(state, { LoadState: "not-found", ActiveState: "inactive" });

    const again = await installService("--uninstall");
    assert.equal(again.status, 0, again.stderr + again.stdout);
    assert.match(again.stdout, /chat\.service: not installed/);
  });
});
