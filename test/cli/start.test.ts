// `npm start` as a newcomer runs it from a clone: on a built tree it prints what p2pchat prints
// and nothing about building, answers HTTP within 2 s, and SIGTERM or Ctrl-C to npm stops the peer
// with nothing left behind. The start script runs the daemon with `exec`: npm forwards the
// signals it gets to its child, and without `exec` that child is the `sh -c` npm runs scripts
// in (dash does not exec the last command), which dies and leaves the daemon running with
// parent 1, holding its ports.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { descendantsOf } from "../../bench/proc.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { running } from "../support/reaper.js";
import { waitFor } from "../support/wait.js";

/** The runner (scripts/run-tests.mjs) runs from the repository, as the other CLI tests assume. */
const repoRoot = process.cwd();
const CLI = join(repoRoot, "dist/src/cli/main.js");

/** stdout without npm's own banner ("> p2pchat@0.1.0 start" and the command, then a blank line). */
function withoutBanner(stdout: string): string {
  return stdout.replace(/^\n?> [^\n]*\n> [^\n]*\n\n/, "");
}

async function tcpFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function udpFree(port: number): Promise<boolean> {
  const socket = createSocket("udp4");
  return new Promise((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind({ port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

function npmStart(args: string[]) {
  return spawnSync("npm", ["start", "--", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
}

describe("npm start", () => {
  it("prints --version and --help as p2pchat does, with no build chatter, on a built tree", () => {
    for (const flag of ["--version", "--help"]) {
      const direct = spawnSync(process.execPath, [CLI, flag], { encoding: "utf8" });
      const viaNpm = npmStart([flag]);
      assert.equal(viaNpm.status, 0, viaNpm.stderr);
      assert.equal(viaNpm.stderr, "", `nothing on stderr (a rebuild would say so there; is the tree built?)`);
      assert.equal(withoutBanner(viaNpm.stdout), direct.stdout, `npm start -- ${flag}: npm's banner, then p2pchat's output`);
    }
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`answers HTTP within 2 s, and ${signal} to npm stops the peer and frees its ports`, async (t) => {
      const [host] = loopbackHosts(1) as [string];
      const [port, httpPort] = [await freePort(), await freePort()];
      const started = performance.now();
      const npm = spawn("npm", ["start", "--", "--peer-id", "newcomer", "--port", String(port), "--broadcast", host,
        "--http-port", String(httpPort), "--http-bind", host], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      npm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
      let left: number[] = [];
      t.after(() => {
        // The daemon too, also when an assertion failed before `left` was read: an orphaned
        // daemon would keep its ports, and this file's keep-alive connection to it, open.
        const all = [npm.pid!, ...(running(npm.pid!) ? descendantsOf(npm.pid!) : []), ...left];
        for (const pid of all) if (running(pid)) process.kill(pid, "SIGKILL");
      });

      await waitFor(async () => {
        const answer = await fetch(`http://${host}:${httpPort}/health`).catch(() => undefined);
        return answer?.ok === true;
      }, { timeoutMs: 10_000, intervalMs: 25, what: "HTTP from npm start" });
      const answeredMs = performance.now() - started;
      t.diagnostic(`HTTP answered ${answeredMs.toFixed(0)} ms after npm start`);
      assert.ok(answeredMs < 2_000, `HTTP answered after ${answeredMs.toFixed(0)} ms, not within 2 s`);

      left = descendantsOf(npm.pid!);
      assert.ok(left.length > 0, "npm runs the daemon as its child");
      process.kill(npm.pid!, signal); // to npm alone, as `kill` or a supervisor sends it
      // Without `exec`, npm waits for ever on a shell that ignores SIGINT: give up after 8 s.
      const code = await Promise.race([exited, delay(8_000, undefined, { ref: false }).then(() => "still running 8 s later")]);
      assert.equal(code, 0, `npm exits as the daemon does, after a clean stop; output:\n${output}`);
      assert.match(output, new RegExp(`${signal}: shutting down`));
      await waitFor(() => left.every((pid) => !running(pid)), { timeoutMs: 6_000, what: "every process npm started to end" });
      assert.ok(await tcpFree(host, httpPort), "the HTTP port is free");
      assert.ok(await tcpFree("0.0.0.0", port), "the TCP port is free");
      assert.ok(await udpFree(port), "the UDP port is free");
    });
  }
});
