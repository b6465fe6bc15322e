// `p2pchat probe` as a process: help, usage errors, exit codes, the text and JSON reports.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ProbeReport } from "../../src/probe/report.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "probe", ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the p2pchat probe command", () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops) await stop();
  });

  it("prints its help", async () => {
    const { code, stdout } = await run(["--help"]);
    assert.equal(code, 0);
    for (const flag of ["HOST", "--json", "--http", "--port", "--stress", "--timeout", "--bind", "Exit codes"]) {
      assert.ok(stdout.includes(flag), `help names ${flag}`);
    }
  });

  it("exits 2 with one line naming the problem on a bad command line", async () => {
    for (const args of [[], ["198.18.0.1", "--port", "70000"], ["198.18.0.1", "--colour"]]) {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.match(stderr, /^p2pchat probe: .+\nSee p2pchat probe --help\.\n$/);
    }
  });

  it("exits 2 and says so when nothing listens at the target", async () => {
    const [target, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const { code, stdout } = await run([target, "--port", String(port), "--bind", probeHost, "--timeout", "0.2",
      "--http", `http://${target}:${port}`]);
    assert.equal(code, 2);
    assert.match(stdout, /TARGET UNREACHABLE: cannot connect to .*connection refused/);
    assert.match(stdout, /RESULT: target unreachable over TCP \(exit 2\)/);
  });

  it("prints a JSON report and exits 0 for a peer that follows the protocol", async () => {
    const [nodeHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const { node, httpBase } = await startLoopbackNode(nodeHost, { peerId: "cli-target", port });
    stops.push(() => node.stop());
    const { code, stdout } = await run([nodeHost, "--json", "--port", String(port), "--bind", probeHost, "--http", httpBase, "--timeout", "1"]);
    const report = JSON.parse(stdout) as ProbeReport;
    assert.equal(code, 0, stdout);
    assert.equal(report.exitCode, 0);
    assert.equal(report.passed, true);
    assert.equal(report.target.peerId, "cli-target");
    assert.equal(report.summary.protocol.fail, 0);
    assert.ok(report.checks.every((c) => c.evidence.every((e) => typeof e.text === "string")));
  });
});
