import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { statFields } from "../../bench/proc.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");

function run(args: string[], cwd = process.cwd()) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: 10_000 });
}

/** A daemon on a loopback address at --log-level debug, once it listens: its pid, what it printed
 *  until then, and everything it has printed so far. */
async function startListening(t: TestContext, peerId: string): Promise<{ pid: number; output: string; printed: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), `p2pchat-${peerId}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [host] = loopbackHosts(1) as [string];
  const child = spawn(process.execPath, [CLI, "--peer-id", peerId, "--port", String(await freePort()), "--broadcast", host,
    "--http-port", String(await freePort()), "--http-bind", host, "--log-level", "debug"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes("listening"), { timeoutMs: 10_000, what: "the daemon to listen" });
  return { pid: child.pid!, output, printed: () => output };
}

/** Each thread's nice value, by thread id (field 19 of its stat). */
function niceOfThreads(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    nice.set(Number(thread), Number(statFields(readFileSync(`/proc/${pid}/task/${thread}/stat`, "utf8"))[16]));
  }
  return nice;
}

describe("the p2pchat command", () => {
  it("prints help and version", () => {
    const help = run(["--help"]);
    assert.equal(help.status, 0);
    for (const flag of ["--config", "--peer-id", "--broadcast", "--port", "--http-port", "--http-bind"]) {
      assert.ok(help.stdout.includes(flag), `help names ${flag}`);
    }
    assert.match(run(["--version"]).stdout, /^\d+\.\d+\.\d+\n$/);
    assert.match(help.stdout, /75 a port is in use/, "help names the exit code of a taken port");
  });

  it("stops with exit 78 and one line naming file, key, value and expectation on a bad config", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-cli-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "config.ini");
    const cases: Array<[string, RegExp]> = [
      ["[NETWORK_INFO]\nport = 99999\n", /config\.ini: \[NETWORK_INFO\] port = "99999": expected an integer from 1 to 65535/],
      ["[NETWORK_INFO]\npeer_id = \"\"\n", /config\.ini: \[NETWORK_INFO\] peer_id = "": expected/],
      ["[NETWORK_INFO]\nbroadcast_address = fe80::1\n", /\[NETWORK_INFO\] broadcast_address = "fe80::1": expected .*IPv4/],
      ["[NETWORK_INFO]\ncolour = blue\n", /\[NETWORK_INFO\] colour = "blue": expected/],
    ];
    for (const [text, line] of cases) {
      writeFileSync(file, text);
      const result = run(["--config", file]);
      assert.equal(result.status, 78, text);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, `one line: ${result.stderr}`);
      assert.match(result.stderr, line);
    }
    const flag = run(["--port", "0"]);
    assert.equal(flag.status, 78);
    assert.match(flag.stderr, /command line: --port = "0": expected an integer from 1 to 65535/);
  });

  it("says in one line what to do when a port is taken, and exits 75", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-inuse-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [host] = loopbackHosts(1) as [string];
    const [port, httpPort] = [await freePort(), await freePort()];
    const flags = (p: number, h: number) =>
      ["--peer-id", "first", "--port", String(p), "--broadcast", host, "--http-port", String(h), "--http-bind", host];
    const first = spawn(process.execPath, [CLI, ...flags(port, httpPort)], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    t.after(() => first.kill("SIGKILL"));
    let output = "";
    first.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes("listening"), { timeoutMs: 10_000, what: "the first daemon to listen" });

    const second = run(flags(port, await freePort()), dir);
    assert.equal(second.status, 75, second.stderr);
    const lines = second.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, "the starting line, then one error line");
    assert.match(lines[1]!, new RegExp(`cannot start: port ${port} \\(UDP and TCP\\) on 0\\.0\\.0\\.0 is already in use\\. ` +
      "Is another p2pchat running\\? Try: p2pchat status\\. Or choose another port with --port\\.$"));
    assert.doesNotMatch(second.stderr, /EADDRINUSE/);

    const http = run(flags(await freePort(), httpPort), dir);
    assert.equal(http.status, 75, http.stderr);
    assert.match(http.stderr, new RegExp(`cannot start: HTTP port ${httpPort} on ${host.replace(/\./g, "\\.")} is already in use\\. ` +
      "Is another p2pchat running\\? Try: p2pchat status\\. Or choose another port with --http-port\\.\\n$"));
  });

  it("says at debug that its code was read compiled from the code cache the build wrote", async (t) => {
    const { output } = await startListening(t, "cached");
    assert.match(output, /debug +daemon code read compiled from its code cache\n/);
  });

  it("says its first hello after its start is done, its \"listening\" line written and its connection code warmed up", async (t) => {
    const { printed } = await startListening(t, "hello-last");
    await waitFor(() => printed().includes("hellos broadcast to"), { timeoutMs: 5_000, what: "the first hello" });
    const lines = printed().split("\n");
    const listening = lines.findIndex((line) => line.includes("listening: UDP and TCP"));
    const warmed = lines.findIndex((line) => /debug +connection code warmed up over loopback in [\d.]+ ms \(\d+ connections\)$/.test(line));
    const hello = lines.findIndex((line) => line.includes("hellos broadcast to"));
    assert.ok(listening >= 0 && listening < warmed && warmed < hello, `"listening", the warm-up, then the first hello:\n${printed()}`);
  });

  it("runs its helper threads (V8's, libuv's) at the lowest priority and its main thread where it started", async (t) => {
    const { pid, output } = await startListening(t, "threads");
    const said = /debug +(\d+) helper threads of V8 and libuv at the lowest CPU priority/.exec(output);
    assert.ok(said, output);
    const nice = niceOfThreads(pid);
    assert.equal(nice.get(pid), niceOfThreads(process.pid).get(process.pid), "the main thread keeps the priority it inherited");
    const helpers = [...nice].filter(([thread]) => thread !== pid);
    assert.ok(helpers.length >= 4, `V8's platform has worker threads: ${helpers.length}`);
    // Threads made after the start (libuv's pool on its first use) inherit the main thread's.
    const lowered = helpers.filter(([, value]) => value === 19).length;
    assert.ok(lowered >= 4, `nice values: ${JSON.stringify([...nice])}`);
    assert.equal(lowered, Number(said[1]), `said ${said[1]}, nice values: ${JSON.stringify([...nice])}`);
  });

  it("loads the seed's config/config.ini as it is from the working directory", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-seed-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const httpPort = await freePort();
    mkdirSync(join(dir, "config"));
    // The seed's file, with only the port and broadcast address pointed at this machine's loopback.
    writeFileSync(join(dir, "config/config.ini"),
      `[NETWORK_INFO]\nport = ${port}\nbroadcast_address = 127.0.0.1\npeer_id = cesar-peer\n`);
    const [host] = loopbackHosts(1) as [string];
    const child = spawn(process.execPath, [CLI, "--http-port", String(httpPort), "--http-bind", host], {
      cwd: dir, stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => output.includes("listening"), { timeoutMs: 10_000, what: "the listening line" });
      assert.match(output, /starting as "cesar-peer": UDP\/TCP port \d+, broadcast 127\.0\.0\.1/);
      const sent = await fetch(`http://${host}:${httpPort}/send?message=ahoj`);
      assert.deepEqual(await sent.json(), { status: "ok" });
      const messages = (await (await fetch(`http://${host}:${httpPort}/messages`)).json()) as Record<string, unknown>;
      assert.deepEqual(Object.values(messages), [{ peer_id: "cesar-peer", message: "ahoj" }]);
      child.kill("SIGTERM");
      assert.equal(await exited, 0, output);
      assert.match(output, /SIGTERM: shutting down/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("keeps its history in --history-file across a clean stop and across kill -9", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-persist-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [host] = loopbackHosts(1) as [string];
    const port = await freePort();
    const httpPort = await freePort();
    const base = `http://${host}:${httpPort}`;
    const start = () => {
      const child = spawn(process.execPath, [CLI, "--peer-id", "keeper", "--port", String(port), "--broadcast", host,
        "--http-bind", host, "--http-port", String(httpPort), "--history-file", join(dir, "history.json")],
      { stdio: ["ignore", "ignore", "pipe"] });
      let output = "";
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      t.after(() => child.kill("SIGKILL"));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, exited, output: () => output };
    };
    const texts = async () => Object.values((await (await fetch(`${base}/messages`)).json()) as Record<string, { message: string }>)
      .map((m) => m.message);
    const up = (d: ReturnType<typeof start>) => waitFor(() => d.output().includes("listening"), { timeoutMs: 10_000, what: "listening" });

    const first = start();
    await up(first);
    await fetch(`${base}/send?message=before+a+clean+stop`);
    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0);

    const second = start();
    await up(second);
    assert.match(second.output(), /history: 1 messages loaded from/);
    assert.deepEqual(await texts(), ["before a clean stop"]);
    await fetch(`${base}/send?message=before+kill+-9`);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the write follows a change within 200 ms
    second.child.kill("SIGKILL");
    await second.exited;

    const third = start();
    await up(third);
    assert.deepEqual(await texts(), ["before a clean stop", "before kill -9"]);
    third.child.kill("SIGTERM");
    assert.equal(await third.exited, 0);
  });
});
