// The CLI's subcommands as a user runs them: as processes, against a running p2pchat daemon that
// they find through the same config file, and against none.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, heldPort, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");
const COMMANDS = ["send", "messages", "peers", "status"];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function p2pchat(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    input: options.input ?? "",
    encoding: "utf8",
    timeout: 15_000,
    env: { ...process.env, NO_COLOR: undefined, ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("p2pchat send, messages, peers and status", () => {
  let dir: string;
  let daemon: ChildProcess;
  let daemonLog = "";
  let host: string;
  let httpPort: number;
  /** Run in `dir`, where config/config.ini names the daemon's HTTP address: no flags needed. */
  const cli = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) => p2pchat(args, { cwd: dir, ...options });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "p2pchat-commands-"));
    [host] = loopbackHosts(1) as [string];
    httpPort = await freePort();
    mkdirSync(join(dir, "config"));
    // Loopback only: the broadcast goes to the daemon's own loopback address, so no peers.
    writeFileSync(join(dir, "config/config.ini"), [
      "[NETWORK_INFO]", `port = ${await freePort()}`, `broadcast_address = ${host}`, "peer_id = cli-alice",
      "[HTTP]", `port = ${httpPort}`, `bind = ${host}`, "",
    ].join("\n"));
    await startDaemon();
  });

  async function startDaemon(): Promise<void> {
    daemonLog = "";
    daemon = spawn(process.execPath, [CLI], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    daemon.stderr?.on("data", (chunk: Buffer) => (daemonLog += chunk.toString()));
    await waitFor(() => daemonLog.includes("listening"), { timeoutMs: 10_000, what: "the daemon to listen" });
  }
  after(() => {
    daemon?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("--help lists every command, and each command's --help is complete", () => {
    const help = p2pchat(["--help"]);
    assert.equal(help.status, 0);
    for (const name of COMMANDS) assert.match(help.stdout, new RegExp(`^  ${name} +\\S`, "m"), name);
    const helps = new Map<string, string>();
    for (const name of COMMANDS) {
      const own = p2pchat([name, "--help"]);
      helps.set(name, own.stdout);
      assert.equal(own.status, 0, name);
      assert.equal(own.stderr, "");
      assert.match(own.stdout, new RegExp(`^Usage: p2pchat ${name}`), name);
      for (const flag of ["--config", "--http-port", "--http-bind", "--json", "--help", "Exit codes", "69"]) {
        assert.ok(own.stdout.includes(flag), `${name} --help mentions ${flag}`);
      }
    }
    assert.equal(p2pchat(["peers", "-h"]).stdout, helps.get("peers"));
    assert.match(helps.get("messages") ?? "", /--follow/);
  });

  it("send takes the text from its arguments or standard input, and answers with the message id", () => {
    const sent = cli(["send", "Ahoj", "všichni", "👋"]);
    assert.equal(sent.status, 0, sent.stderr);
    assert.match(sent.stdout, /^sent \(message id \d{13,}\)\n$/);
    const piped = cli(["send", "--json"], { input: "z roury\n" });
    assert.equal(piped.status, 0, piped.stderr);
    const answer = JSON.parse(piped.stdout) as { status: string; message_id: string };
    assert.equal(answer.status, "ok");
    const history = JSON.parse(cli(["messages", "--json"]).stdout.trim().split("\n").at(-1) ?? "{}");
    assert.deepEqual(history, { id: answer.message_id, peer_id: "cli-alice", message: "z roury" });
  });

  it("messages prints time, sender and text; --json one object per line; nothing a peer sent reaches the terminal raw", () => {
    const evil = "barvy \x1b[31mČERVENĚ\x1b[0m \u202eobráceně\u202c\x07 a\ndruhý řádek";
    assert.equal(cli(["send", evil]).status, 0);
    const shown = cli(["messages"]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, /[\x1b\x07\u202e\u202c]/, "no escape, bell or bidi override");
    assert.match(shown.stdout, /^\d\d:\d\d:\d\d  cli-alice +Ahoj všichni 👋$/m);
    const line = /^\d\d:\d\d:\d\d  cli-alice +(barvy .*)$/m.exec(shown.stdout);
    assert.ok(line, shown.stdout);
    assert.equal(line[1], "barvy ␛[31mČERVENĚ␛[0m <U+202E>obráceně<U+202C>␇ a");
    const continued = shown.stdout.split("\n")[shown.stdout.split("\n").findIndex((l) => l.includes("barvy")) + 1] ?? "";
    assert.equal(continued.trim(), "druhý řádek");
    assert.equal(continued.indexOf("druhý"), line[0].indexOf("barvy"), "a second line is indented under the text");

    const json = cli(["messages", "--json"]).stdout;
    assert.doesNotMatch(json, /[\x1b\u202e]/);
    const lines = json.trim().split("\n").map((l) => JSON.parse(l) as { message: string });
    assert.ok(lines.some((m) => m.message === evil), "--json keeps the text exactly");
  });

  it("colours only on a terminal, and not there either with NO_COLOR", () => {
    assert.doesNotMatch(cli(["status"]).stdout, /\x1b\[/, "piped: no colour");
    // script(1) runs the command on a pseudo-terminal.
    const command = `${process.execPath} ${CLI} status`;
    const tty = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: dir, encoding: "utf8", timeout: 15_000, env: { ...process.env, NO_COLOR: "" } });
    assert.match(tty.stdout, /\x1b\[32mrunning\x1b\[39m/);
    const noColour = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: dir, encoding: "utf8", timeout: 15_000, env: { ...process.env, NO_COLOR: "1" } });
    assert.match(noColour.stdout, /is running as/);
    assert.doesNotMatch(noColour.stdout, /\x1b\[\d+m/);
  });

  it("status and peers describe the daemon and say where hellos go when no peer answers", () => {
    const status = cli(["status"]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^p2pchat \d+\.\d+\.\d+ is running as cli-alice \(up \d+ s\)$/m);
    assert.match(status.stdout, new RegExp(`chat page +http://${host.replace(/\./g, "\\.")}:${httpPort}/`));
    assert.match(status.stdout, /peers +none heard yet/);
    const json = JSON.parse(cli(["status", "--json"]).stdout) as { running: boolean; status: string; peer_id: string; messages: number };
    assert.equal(json.running, true);
    assert.equal(json.status, "ok");
    assert.equal(json.peer_id, "cli-alice");
    assert.ok(json.messages >= 1);

    const peers = cli(["peers"]);
    assert.equal(peers.status, 0, peers.stderr);
    assert.match(peers.stdout, new RegExp(`^No peers heard yet\\. .*broadcasts a hello to ${host.replace(/\./g, "\\.")} on UDP`));
    assert.deepEqual(JSON.parse(cli(["peers", "--json"]).stdout), { peers: [] });
  });

  it("messages --follow prints the history, then each new message as it arrives", async () => {
    const follower = spawn(process.execPath, [CLI, "messages", "--follow"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    follower.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitFor(() => out.includes("Ahoj všichni 👋"), { timeoutMs: 5_000, what: "the history" });
      const before = out.length;
      assert.equal(cli(["send", "naživo 🎉"]).status, 0);
      await waitFor(() => out.slice(before).includes("naživo 🎉"), { timeoutMs: 2_000, what: "the new message" });
      assert.equal(out.split("naživo 🎉").length, 2, "printed once");
    } finally {
      follower.kill("SIGTERM");
    }
  });

  it("messages --follow waits out a daemon restart and goes on where it left off", async () => {
    const follower = spawn(process.execPath, [CLI, "messages", "--follow", "--json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    follower.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    follower.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    try {
      await waitFor(() => out.includes("naživo"), { timeoutMs: 5_000, what: "the history" });
      const exited = new Promise((resolve) => daemon.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
      await waitFor(() => err.includes("closed the stream; waiting for it"), { timeoutMs: 5_000, what: "the follower to notice" });
      await startDaemon(); // its history is empty now: it was in memory only (docs/protocol.md §3)
      await waitFor(() => err.includes("reconnected"), { timeoutMs: 5_000, what: "the follower to reconnect" });
      assert.equal(cli(["send", "po restartu"]).status, 0);
      await waitFor(() => out.includes('"message":"po restartu"'), { timeoutMs: 2_000, what: "the message after the restart" });
      assert.equal(follower.exitCode, null, "still following");
    } finally {
      follower.kill("SIGTERM");
    }
  });

  it("refuses bad command lines with 64, a bad config with 78, and reports a refusal by the daemon with 1", () => {
    const unknown = cli(["peers", "--colour"]);
    assert.equal(unknown.status, 64);
    assert.match(unknown.stderr, /^p2pchat peers: Unknown option '--colour'.*\nSee p2pchat peers --help\.\n$/);
    assert.equal(cli(["send", "   "]).status, 64, "an empty message is not sent");
    assert.equal(cli(["status", "surplus"]).status, 64);
    const config = cli(["status", "--config", "nonexistent.ini"]);
    assert.equal(config.status, 78);
    assert.match(config.stderr, /^p2pchat: config error: command line: --config = "nonexistent\.ini": expected a readable file/);
    const huge = cli(["send"], { input: "x".repeat(1024 * 1024 + 10) });
    assert.equal(huge.status, 1);
    assert.match(huge.stderr, /^p2pchat: the daemon refused: body over \d+ bytes\n$/);
  });
});

describe("the CLI's errors", () => {
  it("start with p2pchat: (or p2pchat <command>:) whatever the mistake, with the documented exit codes", () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["--bogus"], 64, /^p2pchat: Unknown option '--bogus' \(known: --config, .*\)\nSee p2pchat --help\.\n$/],
      [["--port", "0"], 78, /^p2pchat: config error: command line: --port = "0": expected an integer from 1 to 65535\n$/],
      [["bogus"], 64, /^p2pchat: unknown command "bogus"\nSee p2pchat --help\.\n$/],
      [["status", "--bogus"], 64, /^p2pchat status: Unknown option '--bogus'.*\nSee p2pchat status --help\.\n$/],
      [["status", "--http-port", "0"], 78, /^p2pchat: config error: command line: --http-port = "0"/],
      [["install-service", "--bogus"], 64, /^p2pchat install-service: Unknown option '--bogus'/],
    ];
    for (const [args, status, stderr] of cases) {
      const result = p2pchat(args);
      assert.equal(result.status, status, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, stderr);
      assert.equal(result.stdout, "");
    }
  });
});

describe("the CLI with no daemon running", () => {
  it("says so in one line and exits 69, for every command", async () => {
    // Held for the six commands: a closed port could meanwhile become another test's daemon's.
    const held = await heldPort();
    const port = String(held.port);
    const [host] = loopbackHosts(1) as [string];
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-nodaemon-"));
    try {
      const why = `the daemon is not running: nothing answers at http://${host}:${port} (connection refused). Start it with: p2pchat`;
      for (const args of [["send", "hello"], ["messages"], ["messages", "--follow"], ["peers"], ["status"], ["status", "--json"]]) {
        const result = p2pchat([...args, "--http-port", port, "--http-bind", host], { cwd: dir });
        assert.equal(result.status, 69, `${args.join(" ")}: ${result.stderr}`);
        assert.equal(result.stderr, `p2pchat: ${why}\n`);
        // A script asking for JSON gets JSON on stdout for "not running" too, not an empty string.
        if (args.includes("--json")) assert.deepEqual(JSON.parse(result.stdout), { running: false, url: `http://${host}:${port}/`, error: why });
        else assert.equal(result.stdout, "");
      }
    } finally {
      await held.release();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("looks for a daemon bound to all addresses on loopback", async () => {
    const port = await freePort();
    const result = p2pchat(["status", "--http-bind", "0.0.0.0", "--http-port", String(port)]);
    assert.equal(result.status, 69);
    assert.match(result.stderr, new RegExp(`nothing answers at http://127\\.0\\.0\\.1:${port} `));
    const v6 = p2pchat(["status", "--http-bind", "::", "--http-port", String(port)]);
    assert.equal(v6.status, 69);
    assert.match(v6.stderr, new RegExp(`at http://\\[::1\\]:${port}[ :]`));
  });
});
