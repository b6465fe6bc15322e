// The daemon's side of running as a service, tested on the process itself: readiness through the
// real systemd-notify, SIGHUP reloading the config, SIGTERM with connections open. (The unit under
// a real systemd is tested in test/deploy/systemd.test.ts.)
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { NotifySocket } from "../support/notify-socket.js";
import { waitFor } from "../support/wait.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");

interface Daemon {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  host: string;
  port: number;
  httpPort: number;
  configFile: string;
}

const temporary: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function configText(d: { port: number; httpPort: number; host: string }, extra = ""): string {
  // The broadcast address is this machine's loopback: hellos never leave it.
  return `[NETWORK_INFO]\nport = ${d.port}\nbroadcast_address = 127.0.0.1\npeer_id = svc\n\n` +
    `[HTTP]\nport = ${d.httpPort}\nbind = ${d.host}\n\n[DISCOVERY]\ninterval = 60\npeer_timeout = 120\n${extra}`;
}

async function startDaemon(env: NodeJS.ProcessEnv = {}, extra = ""): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), "p2pchat-service-"));
  temporary.push(dir);
  const [host] = loopbackHosts(1) as [string];
  const ports = { port: await freePort(), httpPort: await freePort(), host };
  const configFile = join(dir, "config.ini");
  writeFileSync(configFile, configText(ports, extra));
  const child = spawn(process.execPath, [CLI, "--config", configFile], {
    cwd: dir,
    env: { ...process.env, JOURNAL_STREAM: "", NOTIFY_SOCKET: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited, ...ports, configFile };
}

async function listening(d: Daemon): Promise<void> {
  await waitFor(() => d.output().includes("listening:"), { timeoutMs: 10_000, what: `the listening line in\n${d.output()}` });
}

function httpGet(d: Daemon, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: d.host, port: d.httpPort, path, agent: agent ?? false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Whether UDP `port` is held by someone (an exclusive bind of our own fails). */
function udpTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      socket.close();
      resolve(e.code === "EADDRINUSE");
    });
    socket.bind({ port, address: "0.0.0.0", exclusive: true }, () => {
      socket.close();
      resolve(false);
    });
  });
}

function tcpConnect(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

function haveSystemdNotify(t: TestContext): boolean {
  if (spawnSync("sh", ["-c", "command -v systemd-notify"]).status === 0) return true;
  if (process.env.CI) throw new Error("systemd-notify is missing on this CI machine (Debian package systemd)");
  t.skip("systemd-notify not installed (Debian package systemd)");
  return false;
}

describe("the daemon as a service", () => {
  it("tells systemd READY=1 through systemd-notify only once UDP, TCP and HTTP all listen", async (t) => {
    if (!haveSystemdNotify(t)) return;
    const notify = await NotifySocket.open();
    t.after(() => notify.close());
    // Checked the moment READY=1 arrives, before the daemon can get any further.
    const atReady = new Promise<{ udp: boolean; tcp: boolean; http: number }>((resolve) => {
      notify.onMessage((message) => {
        if (message.fields.READY !== "1") return;
        void (async () => {
          const udp = await udpTaken(d.port);
          const tcp = await tcpConnect("127.0.0.1", d.port).then((s) => (s.destroy(), true), () => false);
          const http = await httpGet(d, "/messages").then((r) => r.status, () => 0);
          resolve({ udp, tcp, http });
        })();
      });
    });
    const d = await startDaemon({ NOTIFY_SOCKET: notify.path });
    const seen = await Promise.race([atReady, d.exited.then((code) => {
      throw new Error(`daemon exited (${code}) before READY=1:\n${d.output()}`);
    })]);
    assert.deepEqual(seen, { udp: true, tcp: true, http: 200 });
    const ready = notify.messages.find((m) => m.fields.READY === "1");
    assert.match(ready?.fields.STATUS ?? "", new RegExp(`^peer "svc": UDP/TCP ${d.port}, broadcast 127\\.0\\.0\\.1, HTTP `));
    assert.ok(d.output().indexOf("listening:") >= 0);
    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0, d.output());
  });

  it("does not try to notify when not started by systemd", async () => {
    const d = await startDaemon({}, "\n[LOG]\nlevel = debug\n");
    await listening(d);
    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0);
    assert.doesNotMatch(d.output(), /systemd/);
  });

  it("logs why, as an error, when systemd-notify cannot be run", async () => {
    // NOTIFY_SOCKET set, but no systemd-notify on PATH: the service would time out in systemd.
    const d = await startDaemon({ NOTIFY_SOCKET: "/nonexistent/notify", PATH: "/nonexistent" });
    await waitFor(() => /error could not tell systemd READY=1: systemd-notify not found/.test(d.output()),
      { timeoutMs: 10_000, what: `the error line in\n${d.output()}` });
    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0);
  });

  it("SIGHUP applies live settings, names the ones that need a restart, and keeps running on a bad file", async (t) => {
    const d = await startDaemon();
    await listening(d);
    for (const text of ["one", "two", "three"]) assert.equal((await httpGet(d, `/send?message=${text}`)).status, 200);

    // Not logged at info: a connection that never says hello.
    (await tcpConnect("127.0.0.1", d.port)).destroy();

    // The test listens where the new broadcast address points, on the protocol port.
    const [listen] = loopbackHosts(1) as [string];
    const hellos: string[] = [];
    const udp = createSocket({ type: "udp4", reuseAddr: true });
    udp.on("message", (data) => hellos.push(data.toString()));
    await new Promise<void>((resolve) => udp.bind({ address: listen, port: d.port }, resolve));
    t.after(() => udp.close());

    writeFileSync(d.configFile, configText(d,
      `\n[HISTORY]\nlimit = 2\n\n[LOG]\nlevel = debug\n`)
      .replace("broadcast_address = 127.0.0.1", `broadcast_address = ${listen}`)
      .replace("interval = 60", "interval = 0.1")
      .replace(`port = ${d.httpPort}`, `port = ${d.httpPort + 1}`));
    d.child.kill("SIGHUP");
    await waitFor(() => /info  SIGHUP: config reloaded: applied /.test(d.output()), { timeoutMs: 5_000, what: "the reload line" });
    const applied = /SIGHUP: config reloaded: applied (.*)$/m.exec(d.output())?.[1] ?? "";
    for (const change of [`[NETWORK_INFO] broadcast_address "127.0.0.1" -> "${listen}"`, "[DISCOVERY] interval 60 -> 0.1",
      "[HISTORY] limit 100 -> 2", `[LOG] level "info" -> "debug"`]) {
      assert.ok(applied.includes(change), `applied ${change}: ${applied}`);
    }
    assert.match(d.output(), new RegExp(`warn  SIGHUP: restart to apply \\[HTTP\\] port ${d.httpPort} -> ${d.httpPort + 1} `));

    // Each change took effect: hellos go to the new address every 0.1 s, the history holds 2, the
    // log shows debug lines, and HTTP is still where its socket was bound.
    await waitFor(() => hellos.length >= 3, { timeoutMs: 2_000, what: "three hellos at the new broadcast address" });
    assert.deepEqual(JSON.parse(hellos[0]!), { command: "hello", peer_id: "svc" });
    const history = JSON.parse((await httpGet(d, "/messages")).body) as Record<string, { message: string }>;
    assert.deepEqual(Object.values(history).map((m) => m.message), ["two", "three"]);
    (await tcpConnect("127.0.0.1", d.port)).destroy();
    await waitFor(() => /debug inbound connection from 127\.0\.0\.1/.test(d.output()), { timeoutMs: 2_000, what: "a debug line" });

    // A broken file: one error line naming file, key and value; the old settings stay.
    writeFileSync(d.configFile, configText(d).replace("[DISCOVERY]", "[DISCOVERY]\ncolour = blue"));
    d.child.kill("SIGHUP");
    await waitFor(() => /error SIGHUP: config not reloaded/.test(d.output()), { timeoutMs: 5_000, what: "the refusal" });
    const refusal = d.output().split("\n").find((line) => line.includes("config not reloaded")) ?? "";
    assert.ok(refusal.includes(`${d.configFile}: [DISCOVERY] colour = "blue": expected`), refusal);
    const count = hellos.length;
    await waitFor(() => hellos.length >= count + 2, { timeoutMs: 2_000, what: "hellos to go on as before" });
    assert.equal((await httpGet(d, "/messages")).status, 200);

    d.child.kill("SIGTERM");
    assert.equal(await d.exited, 0, d.output());
  });

  it("SIGTERM closes peer and HTTP connections and exits 0 within 5 s", async () => {
    const d = await startDaemon();
    await listening(d);
    // A connection being served (a hello would make the daemon dial back, here: itself).
    const peer = await tcpConnect("127.0.0.1", d.port);
    peer.write(JSON.stringify({ command: "new_message", message_id: String(Date.now()), message: "x" }) + "\n");
    await new Promise((resolve) => peer.once("data", resolve));
    const peerClosed = new Promise<void>((resolve) => peer.on("close", () => resolve()));
    peer.on("error", () => undefined);
    // An HTTP keep-alive connection stays open after its request.
    const agent = new Agent({ keepAlive: true });
    assert.equal((await httpGet(d, "/messages", agent)).status, 200);

    const started = Date.now();
    d.child.kill("SIGTERM");
    const code = await d.exited;
    const took = Date.now() - started;
    agent.destroy();
    assert.equal(code, 0, d.output());
    assert.ok(took < 5_000, `exited after ${took} ms`);
    await peerClosed;
    assert.match(d.output(), /SIGTERM: shutting down/);
  });
});
