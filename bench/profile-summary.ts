#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, from `npm run bench -- --profile DIR`) as text: the
// functions with the most samples, by self time and including what they call. Usage:
// node dist/bench/profile-summary.js [--skip SECONDS] [--until SECONDS] [--top N] FILE.cpuprofile...
// Several files are summed (the peers of one mesh, say); --skip leaves out each profile's first
// SECONDS (a start-up, when what is wanted is the idle window after it), --until all after
// SECONDS from its start (the shutdown). Shares are of the busy
// samples (everything but "(idle)").
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.split("/").slice(-2).join("/")}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
}

export function summariseProfiles(profiles: readonly Profile[], { top = 25, skipMs = 0, untilMs = Infinity } = {}): string {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const profile of profiles) {
    const sums = sumProfile(profile, skipMs, untilMs, self, inclusive);
    total += sums.total;
    idle += sums.idle;
  }
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m].filter(([name]) => name !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([name, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)} %  ${name}`).join("\n");
  return `${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms of it busy (the shares below are of the busy time)\n\n` +
    `self time:\n${list(self)}\n\nincluding callees:\n${list(inclusive)}\n`;
}

/** Adds one profile's samples from skipMs to untilMs after its start to `self` and `inclusive` (µs by frame name). */
function sumProfile(profile: Profile, skipMs: number, untilMs: number, self: Map<string, number>, inclusive: Map<string, number>): { total: number; idle: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map<number, number>();
  let total = 0;
  let idle = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < skipMs * 1000 || at > untilMs * 1000) return;
    time.set(id, (time.get(id) ?? 0) + dt);
    total += dt;
    if (byId.get(id)?.callFrame.functionName === "(idle)") idle += dt;
  });
  for (const [id, dt] of time) {
    const node = byId.get(id);
    if (!node) continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!frame) break;
      const n = frameName(frame);
      if (!seen.has(n)) inclusive.set(n, (inclusive.get(n) ?? 0) + dt);
      seen.add(n);
    }
  }
  return { total, idle };
}

if (process.argv[1]?.endsWith("profile-summary.js")) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { skip: { type: "string", default: "0" }, until: { type: "string" }, top: { type: "string", default: "25" } } });
  if (positionals.length === 0) {
    process.stderr.write("usage: node dist/bench/profile-summary.js [--skip SECONDS] [--until SECONDS] [--top N] FILE.cpuprofile...\n");
    process.exit(64);
  }
  const profiles = positionals.map((file) => JSON.parse(readFileSync(file, "utf8")) as Profile);
  process.stdout.write(summariseProfiles(profiles, { top: Number(values.top), skipMs: Number(values.skip) * 1000, untilMs: values.until === undefined ? Infinity : Number(values.until) * 1000 }));
}
