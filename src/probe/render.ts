// The report as people read it: the protocol checks first (they decide the exit code), then the
// tolerance and conventions checks, each with its verdict, why, and the bytes that show it.
import type { Section } from "./catalogue.js";
import { DEFAULT_EVIDENCE_CHARS } from "./evidence.js";
import type { CheckResult, ProbeReport } from "./report.js";

/** Evidence lines shown per check in the text report; --json has them all. */
const MAX_EVIDENCE_LINES = 8;

const SECTION_HEADINGS: Record<Section, string> = {
  protocol: "PROTOCOL: what every peer in class relies on (these decide the exit code)",
  tolerance: "TOLERANCE: input that real peers send and a good peer accepts (reported, not required)",
  conventions: "CONVENTIONS: how the target itself writes (reported, not required)",
};

function mark(check: CheckResult): string {
  if (check.verdict === "pass") return "PASS";
  if (check.verdict === "n/a") return "N/A ";
  return check.required ? "FAIL" : "FLAG";
}

function evidenceLine(line: CheckResult["evidence"][number]): string {
  const arrow = line.dir === "sent" ? ">" : line.dir === "received" ? "<" : " ";
  let text = line.text;
  if (line.dir !== "note" && text.length > DEFAULT_EVIDENCE_CHARS) {
    const tail = 30;
    text = `${text.slice(0, DEFAULT_EVIDENCE_CHARS - tail - 12)}…[cut]…${text.slice(-tail)}`;
  }
  return `        ${line.channel.padEnd(7)} ${arrow} ${text}`;
}

export function renderText(report: ProbeReport): string {
  const { target, probe } = report;
  const out: string[] = [];
  out.push(`p2pchat probe of ${target.host}${target.address !== target.host ? ` (${target.address})` : ""}` +
    ` port ${target.port}, HTTP ${target.http}` + (target.peerId ? `: peer ${JSON.stringify(target.peerId)}` : ""));
  out.push(`  probe peer_id ${JSON.stringify(probe.peerId)}, UDP from port ${probe.udpPort ?? "?"}, ` +
    `listening for its connection back on ${probe.listening}; ${probe.stress ? "with --stress" : "gentle"}, ` +
    `waits up to ${probe.timeoutMs} ms; took ${(report.durationMs / 1000).toFixed(1)} s`);
  if (report.unreachable) out.push(`  TARGET UNREACHABLE: ${report.unreachable}`);
  out.push("  legend: > sent by the probe, < received from the target; FLAG: a check outside the protocol's rules failed");

  for (const section of ["protocol", "tolerance", "conventions"] as const) {
    out.push("", SECTION_HEADINGS[section]);
    for (const check of report.checks.filter((c) => c.section === section)) {
      out.push(`  ${mark(check)}  ${check.id.padEnd(22)} ${check.title}  [${check.ref}]`);
      out.push(`        ${check.detail}`);
      const shown = check.verdict === "n/a" ? [] : check.evidence.slice(0, MAX_EVIDENCE_LINES);
      for (const line of shown) out.push(evidenceLine(line));
      if (check.evidence.length > shown.length && shown.length > 0) {
        out.push(`        (+${check.evidence.length - shown.length} more lines: see --json)`);
      }
    }
  }

  const counts = (section: Section) => {
    const { pass, fail, "n/a": na } = report.summary[section];
    const failed = section === "protocol" ? `${fail} failed` : `${fail} flagged`;
    return `${pass} passed, ${failed}, ${na} not applicable`;
  };
  out.push("", "SUMMARY");
  out.push(`  protocol     ${counts("protocol")}`);
  out.push(`  tolerance    ${counts("tolerance")}`);
  out.push(`  conventions  ${counts("conventions")}`);
  const failed = report.checks.filter((c) => c.required && c.verdict === "fail").map((c) => c.id);
  if (report.unreachable) {
    out.push(`  RESULT: target unreachable over TCP (exit ${report.exitCode})`);
  } else if (failed.length > 0) {
    out.push(`  RESULT: FAILS the protocol: ${failed.join(", ")} (exit ${report.exitCode})`);
  } else {
    const flagged = report.checks.filter((c) => !c.required && c.verdict === "fail").length;
    out.push(`  RESULT: follows the protocol${flagged ? `; ${flagged} flagged outside it` : ""} (exit ${report.exitCode})`);
  }
  return out.join("\n") + "\n";
}

export function renderJson(report: ProbeReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
