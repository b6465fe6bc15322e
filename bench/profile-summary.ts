#!/usr/bin/env node
// Summarises V8 CPU profiles (.cpuprofile, from `npm run bench -- --profile DIR`) as text: the
// functions with the most samples, by self time and including what they call. Usage:
// node dist/bench/profile-summary.js FILE.cpuprofile [TOP]
import { readFileSync } from "node:fs";

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

export function summariseProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    time.set(id, (time.get(id) ?? 0) + dt);
    total += dt;
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
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
  const list = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${name}`).join("\n");
  return `${(total / 1000).toFixed(0)} ms sampled\n\nself time:\n${list(self)}\n\nincluding callees:\n${list(inclusive)}\n`;
}

if (process.argv[1]?.endsWith("profile-summary.js")) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]\n");
    process.exit(64);
  }
  process.stdout.write(summariseProfile(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(top ?? 25)));
}
