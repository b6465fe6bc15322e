// The probe's findings: one result per check, each with a verdict, a one-line reason and the
// evidence (the bytes sent and received), and the exit code they add up to.
import { CHECKS, type CheckDefinition, type CheckId, type Section } from "./catalogue.js";
import { showBytes } from "./evidence.js";

export type Verdict = "pass" | "fail" | "n/a";

export interface EvidenceLine {
  /** Where: "udp", "tcp#2" (the probe's 2nd connection to the target), "back#1" (the target's
   * 1st connection to the probe), "http". */
  channel: string;
  /** sent by the probe, received from the target, or a note on what happened between. */
  dir: "sent" | "received" | "note";
  text: string;
}

export interface CheckResult {
  id: CheckId;
  section: Section;
  /** Protocol checks decide the exit code; the others are reported only. */
  required: boolean;
  title: string;
  ref: string;
  verdict: Verdict;
  detail: string;
  evidence: EvidenceLine[];
}

/** Exit codes of `p2pchat probe`. */
export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
/** The target could not be reached over TCP at all, or the command line was wrong. */
export const EXIT_UNREACHABLE = 2;

export interface ProbeReport {
  target: { host: string; address: string; port: number; http: string; peerId: string | null };
  probe: { peerId: string; udpPort: number | null; listening: string; stress: boolean; timeoutMs: number };
  startedAt: string;
  durationMs: number;
  /** Why the target could not be probed over TCP, if it could not. */
  unreachable: string | null;
  checks: CheckResult[];
  summary: Record<Section, Record<Verdict, number>>;
  /** Every protocol check passed or did not apply. */
  passed: boolean;
  exitCode: number;
}

interface PendingLine {
  channel: string;
  dir: EvidenceLine["dir"];
  /** Rendered late: a frame's line end may arrive after the frame, and belongs in the evidence. */
  bytes: () => Buffer | string;
}

/** One check while the probe runs: collects evidence, then takes a verdict once. */
export class Check {
  private outcome: { verdict: Verdict; detail: string } | undefined;
  private readonly lines: PendingLine[] = [];

  constructor(readonly definition: CheckDefinition) {}

  get decided(): boolean {
    return this.outcome !== undefined;
  }

  get verdict(): Verdict | undefined {
    return this.outcome?.verdict;
  }

  sent(channel: string, bytes: Buffer | string): void {
    this.lines.push({ channel, dir: "sent", bytes: () => bytes });
  }

  received(channel: string, bytes: () => Buffer): void {
    this.lines.push({ channel, dir: "received", bytes });
  }

  note(channel: string, text: string): void {
    this.lines.push({ channel, dir: "note", bytes: () => text });
  }

  pass(detail: string): void {
    this.decide("pass", detail);
  }

  fail(detail: string): void {
    this.decide("fail", detail);
  }

  na(detail: string): void {
    this.decide("n/a", detail);
  }

  /** The first verdict stands: a later step cannot overturn what a check already found. */
  private decide(verdict: Verdict, detail: string): void {
    this.outcome ??= { verdict, detail };
  }

  result(maxEvidenceChars: number): CheckResult {
    const { id, section, title, ref } = this.definition;
    const outcome = this.outcome ?? { verdict: "n/a" as const, detail: "not run" };
    return {
      id: id as CheckId,
      section,
      required: section === "protocol",
      title,
      ref,
      ...outcome,
      evidence: this.lines.map(({ channel, dir, bytes }) => {
        const value = bytes();
        return { channel, dir, text: typeof value === "string" ? value : showBytes(value, maxEvidenceChars) };
      }),
    };
  }
}

/** All checks of one run, in catalogue order. */
export class CheckBook {
  private readonly checks = new Map<CheckId, Check>();

  constructor() {
    for (const definition of CHECKS) this.checks.set(definition.id, new Check(definition));
  }

  get(id: CheckId): Check {
    return this.checks.get(id) as Check;
  }

  /** Decides every check still open as not applicable, with the reason. */
  skipRemaining(filter: (check: Check) => boolean, detail: string): void {
    for (const check of this.checks.values()) if (!check.decided && filter(check)) check.na(detail);
  }

  results(maxEvidenceChars: number): CheckResult[] {
    return [...this.checks.values()].map((check) => check.result(maxEvidenceChars));
  }
}

export function summarize(checks: readonly CheckResult[]): Pick<ProbeReport, "summary" | "passed"> {
  const empty = (): Record<Verdict, number> => ({ pass: 0, fail: 0, "n/a": 0 });
  const summary: Record<Section, Record<Verdict, number>> = { protocol: empty(), tolerance: empty(), conventions: empty() };
  for (const check of checks) summary[check.section][check.verdict] += 1;
  return { summary, passed: summary.protocol.fail === 0 };
}

/** 0: every protocol check passed (or did not apply); 1: one failed; 2: no TCP connection at all. */
export function exitCodeOf(report: Pick<ProbeReport, "passed" | "unreachable">): number {
  if (report.unreachable !== null) return EXIT_UNREACHABLE;
  return report.passed ? EXIT_PASSED : EXIT_FAILED;
}
