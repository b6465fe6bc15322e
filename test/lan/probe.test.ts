// `p2pchat probe` against real peers on a LAN of network namespaces: the reference peer plain and
// with each quirk switch, and p2pchat itself. Each verdict must match the peer's known behaviour.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import type { ProbeReport } from "../../src/probe/report.js";
import { renderText } from "../../src/probe/render.js";
import { createLan, repoRoot, requireLan, requireRefpeer, type Lan, type LanHost } from "./netns.js";
import { httpUp } from "./scenario.js";

interface Target {
  name: string;
  quirks?: string[];
  p2pchat?: boolean;
}

const TARGETS: Target[] = [
  { name: "ref-plain", quirks: [] },
  { name: "ref-no-ack", quirks: ["--no-ack"] },
  { name: "ref-crlf", quirks: ["--crlf"] },
  { name: "ref-no-newline", quirks: ["--no-newline"] },
  { name: "ref-pretty", quirks: ["--pretty"] },
  { name: "ref-chunked", quirks: ["--chunked"] },
  { name: "p2pchat", p2pchat: true },
];

/** Runs `p2pchat probe --json` on `from` against `target`; the report and the exit code. */
async function probe(lan: Lan, from: LanHost, target: LanHost, name: string, extra: string[] = []):
  Promise<{ report: ProbeReport; code: number | null }> {
  const main = path.join(repoRoot, "dist", "src", "cli", "main.js");
  const run = lan.spawn(from, process.execPath, [main, "probe", target.address, "--json", ...extra], { name: `probe-${name}` });
  const { code } = await run.exited;
  // The log holds the whole output between the harness's "# ..." lines.
  const text = fs.readFileSync(run.logFile, "utf8").split("\n").filter((line) => !line.startsWith("# ")).join("\n");
  let report: ProbeReport;
  try {
    report = JSON.parse(text) as ProbeReport;
  } catch {
    throw new Error(`probe of ${name} printed no JSON report (exit ${code}):\n${text.slice(0, 2000)}`);
  }
  // The readable report too, as a real example next to the process logs.
  fs.writeFileSync(path.join(lan.artifactsDir, `probe-${name}.txt`), renderText(report));
  return { report, code };
}

function verdicts(report: ProbeReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
}

/** Every check of these sections passed, except the listed ones and the heavy ones (n/a when gentle). */
function assertAllPass(report: ProbeReport, name: string, except: string[] = []): void {
  for (const check of report.checks) {
    if (except.includes(check.id)) continue;
    const gentleOnly = check.verdict === "n/a" && !report.probe.stress &&
      ["history-limit", "accepts-byte-per-write", "accepts-burst", "accepts-large-message"].includes(check.id);
    if (gentleOnly) continue;
    assert.equal(check.verdict, "pass", `${name}: ${check.id} should pass: ${check.detail}`);
  }
}

test("p2pchat probe: the reference peer plain and with each quirk, and p2pchat, get their known verdicts", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  // Each target has a host of its own, and so does each target's probe (the probe listens on the
  // protocol port), so that all probes run at once.
  const lan = await createLan({ hosts: 2 * TARGETS.length });
  t.after(() => lan.destroy());
  const hosts = lan.hosts.slice(0, TARGETS.length);
  const at = new Map<string, LanHost>();
  const proberOf = new Map<string, LanHost>();
  TARGETS.forEach((target, i) => {
    const host = hosts[i] as LanHost;
    at.set(target.name, host);
    proberOf.set(target.name, lan.hosts[TARGETS.length + i] as LanHost);
    if (target.p2pchat) lan.spawnP2pchat(host, { peerId: target.name });
    else lan.spawnRefpeer(host, { peerId: target.name, quirks: target.quirks ?? [] });
  });
  await Promise.all(hosts.map((h) => httpUp(lan, h)));

  const started = performance.now();
  const results = new Map(await Promise.all(TARGETS.map(async ({ name }) =>
    [name, await probe(lan, proberOf.get(name) as LanHost, at.get(name) as LanHost, name)] as const)));
  t.diagnostic(`gentle probes of ${TARGETS.length} targets at once: ${(performance.now() - started).toFixed(0)} ms; ` +
    [...results].map(([name, r]) => `${name} ${r.report.durationMs} ms`).join(", "));

  const get = (name: string) => results.get(name) as { report: ProbeReport; code: number | null };

  // Plain: everything, also outside the protocol.
  assert.equal(get("ref-plain").code, 0);
  assertAllPass(get("ref-plain").report, "ref-plain");
  assert.equal(get("ref-plain").report.target.peerId, "ref-plain");

  // --no-ack: the ack check fails with a timeout, and only that.
  const noAck = get("ref-no-ack");
  assert.equal(noAck.code, 1);
  assert.equal(verdicts(noAck.report)["new-message-ack"], "fail");
  assert.match(noAck.report.checks.find((c) => c.id === "new-message-ack")?.detail ?? "", /timeout/);
  assertAllPass(noAck.report, "ref-no-ack", ["new-message-ack"]);

  // --crlf and --chunked: everything passes.
  for (const name of ["ref-crlf", "ref-chunked"]) {
    assert.equal(get(name).code, 0, name);
    assertAllPass(get(name).report, name);
  }
  assert.match(get("ref-crlf").report.checks.find((c) => c.id === "sends-line-terminated")?.detail ?? "", /CR LF/);

  // --no-newline: follows the protocol, flagged for not ending its lines.
  const noNewline = get("ref-no-newline");
  assert.equal(noNewline.code, 0);
  assert.equal(verdicts(noNewline.report)["sends-line-terminated"], "fail");
  assertAllPass(noNewline.report, "ref-no-newline", ["sends-line-terminated"]);

  // --pretty: follows the protocol, flagged for frames that are not compact.
  const pretty = get("ref-pretty");
  assert.equal(pretty.code, 0);
  assert.equal(verdicts(pretty.report)["sends-compact"], "fail");
  assertAllPass(pretty.report, "ref-pretty", ["sends-compact"]);

  // p2pchat itself: everything.
  assert.equal(get("p2pchat").code, 0);
  assertAllPass(get("p2pchat").report, "p2pchat");

  // --stress adds the heavy cases; both peers keep exactly the newest 100.
  const stressStarted = performance.now();
  await Promise.all(["p2pchat", "ref-plain"].map(async (name) => {
    const { report, code } = await probe(lan, proberOf.get(name) as LanHost, at.get(name) as LanHost, `${name}-stress`, ["--stress"]);
    assert.equal(code, 0, name);
    assertAllPass(report, `${name} --stress`);
    assert.match(report.checks.find((c) => c.id === "history-limit")?.detail ?? "", /holds 100/);
  }));
  t.diagnostic(`--stress probes of p2pchat and ref-plain at once: ${(performance.now() - stressStarted).toFixed(0)} ms`);
});
