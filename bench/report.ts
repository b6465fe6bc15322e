// RESULTS.md and the charts, rendered from one run's results (bench/results.json). Pure: the same
// results always give the same text, so a report can be re-rendered from the JSON alone
// (`node dist/bench/render.js bench/results.json`), and the rules that judge the targets are
// unit-tested (test/bench/report.test.ts).
import { lineChart, type Series } from "./chart.js";
import { IMPL_LABEL, IMPLS, type Impl } from "./impl.js";
import { deliveryWarmupRate } from "./plan.js";
import type { Results } from "./results.js";
import { renderBridge } from "./scenarios/bridge.js";
import type { DeliveryResult } from "./scenarios/delivery.js";
import type { IngestResult } from "./scenarios/ingest.js";
import type { MeshResult } from "./scenarios/mesh.js";
import type { StartupResult } from "./scenarios/startup.js";
import { median, round, type Summary } from "./stats.js";

const COLORS: Record<Impl, string> = { p2pchat: "#1f77b4", refpeer: "#d62728", "node-floor": "#7f7f7f" };

type Better = "lower" | "higher";

export interface Comparison {
  figure: string;
  better: Better;
  p2pchat: number | undefined;
  refpeer: number | undefined;
  /** The bare Node.js peer's figure, where the scenario runs it (mesh, delivery, idle). */
  floor?: number | undefined;
  unit: string;
}

export interface TargetCheck {
  target: string;
  p2pchat: string;
  refpeer: string;
  /** "floor": not met, but on every figure it misses, the bare Node.js peer is worse than the
   *  reference peer too and p2pchat no worse than it: the runtime stops the goal, not the peer. */
  met: boolean | "floor" | undefined;
}

const fmt = (v: number | undefined, unit = ""): string =>
  v === undefined || !Number.isFinite(v) ? "—" : `${v.toLocaleString("en-US", { maximumFractionDigits: 3 })}${unit ? ` ${unit}` : ""}`;

const isNumber = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Whether a figure's value a is worse than b, by which way the figure is better. */
const isWorse = (c: Comparison, a: number, b: number) => (c.better === "lower" ? a > b : a < b);

/** How many times `theirs` `ours` is, read so that over 1 is better: the figure's own direction. */
const timesBetter = (c: Comparison, ours: number, theirs: number) => (c.better === "lower" ? theirs / ours : ours / theirs);

/** How many times the reference peer's figure a value is, read so that over 1 is worse: "1.23×";
 *  a zero on either side (idle CPU) admits no ratio. */
function timesWorse(c: Comparison, value: number): string {
  const times = timesBetter(c, c.refpeer!, value);
  if (Number.isFinite(times)) return `${round(times)}×`;
  return value === c.refpeer ? "the same as" : value > c.refpeer! ? "more than" : "less than";
}

/** "2.4× better" / "1.6× worse" / "same" for p2pchat against the reference peer. */
export function ratio(c: Comparison): { text: string; factor: number | undefined } {
  const { p2pchat: ours, refpeer: theirs } = c;
  if (ours === undefined || theirs === undefined || !Number.isFinite(ours) || !Number.isFinite(theirs)) return { text: "—", factor: undefined };
  if (ours === theirs) return { text: "same", factor: 1 };
  if (ours <= 0 || theirs <= 0) {
    // A zero (idle CPU) admits no ratio; the smaller is still better.
    const oursBetter = c.better === "lower" ? ours < theirs : ours > theirs;
    return { text: oursBetter ? "better" : "worse", factor: oursBetter ? Infinity : 0 };
  }
  const factor = timesBetter(c, ours, theirs);
  return factor >= 1
    ? { text: `${round(factor)}× better`, factor }
    : { text: `${round(1 / factor)}× worse`, factor };
}

function ingestMedian(results: Results, impl: Impl): IngestResult | undefined {
  const rounds = results.ingest.filter((r) => r.impl === impl).sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
  return rounds[Math.floor((rounds.length - 1) / 2)];
}

/** µs of the peer's CPU per message received in the ingest run. */
function cpuPerMessage(r: IngestResult | undefined): number | undefined {
  return r ? round((r.peerCpuPercent / 100) * 1e6 / r.messagesPerSecond) : undefined;
}

export function comparisons(results: Results): Comparison[] {
  const rows: Comparison[] = [];
  const pair = (figure: string, better: Better, unit: string, get: (impl: Impl) => number | undefined) => {
    const row = { figure, better, unit, p2pchat: get("p2pchat"), refpeer: get("refpeer"), floor: get("node-floor") };
    if (row.p2pchat !== undefined || row.refpeer !== undefined) rows.push(row);
  };
  const meshRows = meshMedians(results);
  const mesh = (impl: Impl, n: number) => meshRows.find((r) => r.impl === impl && r.n === n);
  const sizes = [...new Set(meshRows.map((r) => r.n))].sort((a, b) => a - b);
  for (const n of sizes.filter((n) => n > 1)) {
    pair(`mesh of ${n}: first start → full mesh`, "lower", "ms", (i) => mesh(i, n)?.meshMs);
    pair(`mesh of ${n}: last peer's first hello → full mesh`, "lower", "ms", (i) => mesh(i, n)?.fromLastStartMs);
  }
  const newcomer = newcomerMedians(results);
  for (const { n } of newcomer.filter((m) => m.impl === "p2pchat")) {
    pair(`a newcomer to a settled room of ${n - 1}: its hello → its last pair (median)`, "lower", "ms",
      (i) => newcomer.find((m) => m.impl === i && m.n === n)?.meshMs);
  }
  for (const n of sizes) pair(`RSS per peer, mesh of ${n} (median)`, "lower", "MB", (i) => mesh(i, n)?.rssMb.median);
  const largest = sizes[sizes.length - 1];
  if (largest !== undefined && largest > 1) pair(`PSS per peer, mesh of ${largest} (median)`, "lower", "MB", (i) => mesh(i, largest)?.pssMb);
  for (const r of meshRows.filter((r) => r.impl === "p2pchat" && r.idleCpu)) {
    pair(`idle CPU per peer, mesh of ${r.n} (max)`, "lower", "% of a core", (i) => mesh(i, r.n)?.idleCpu?.maxPercent);
  }
  const delivery = deliveryMedians(results);
  for (const n of [...new Set(delivery.map((r) => r.n))].sort((a, b) => a - b)) {
    const d = (impl: Impl) => delivery.find((r) => r.impl === impl && r.n === n);
    pair(`delivery to all ${n - 1} others, p50`, "lower", "ms", (i) => d(i)?.toAll.p50);
    pair(`delivery to all ${n - 1} others, p99`, "lower", "ms", (i) => d(i)?.toAll.p99);
  }
  pair("ingest on 4 connections", "higher", "messages/s", (i) => ingestMedian(results, i)?.messagesPerSecond);
  pair("ingest: CPU per message received", "lower", "µs", (i) => cpuPerMessage(ingestMedian(results, i)));
  for (const f of results.fanout.filter((r) => r.impl === "p2pchat")) {
    pair(`fan-out to ${f.n - 1} others: highest rate sustained`, "higher", "messages/s", (i) => results.fanout.find((r) => r.impl === i && r.n === f.n)?.sustainedRate);
  }
  for (const m of [...new Set(results.many.map((r) => r.m))].sort((a, b) => a - b)) {
    const r = (impl: Impl) => results.many.find((x) => x.impl === impl && x.m === m);
    pair(`${m} virtual peers: all ${2 * m} connections up`, "lower", "ms", (i) => r(i)?.connectAllMs);
    pair(`${m} virtual peers: fan-out to all, p99`, "lower", "ms", (i) => r(i)?.fanout?.toAll.p99);
    pair(`${m} virtual peers: RSS`, "lower", "MB", (i) => r(i)?.rssAfterFanoutMb);
  }
  return rows;
}

export function targets(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const both = (get: (impl: Impl) => string) => ({ p2pchat: get("p2pchat"), refpeer: get("refpeer") });

  const meshRows = meshMedians(results);
  const mesh20 = (i: Impl) => meshRows.find((r) => r.impl === i && r.n === 20);
  const m20 = mesh20("p2pchat");
  checks.push({
    target: "mesh of 20 formed within 1 s of the last start",
    ...both((i) => fmt(mesh20(i)?.fromLastStartMs, "ms")),
    met: m20 ? m20.fromLastStartMs !== undefined && m20.fromLastStartMs <= 1000 : undefined,
  });

  const delivery = deliveryMedians(results);
  const d20 = (i: Impl) => delivery.find((r) => r.impl === i && r.n === 20);
  const d = d20("p2pchat");
  checks.push({
    target: "p99 delivery to 19 others ≤ 50 ms at 50 messages/s",
    ...both((i) => fmt(d20(i)?.toAll.p99, "ms")),
    met: d ? d.toAll.p99 <= 50 && d.undelivered === 0 : undefined,
  });

  const ingest = ingestMedian(results, "p2pchat");
  checks.push({
    target: "ingest ≥ 20,000 messages/s",
    ...both((i) => fmt(ingestMedian(results, i)?.messagesPerSecond, "/s")),
    met: ingest ? ingest.messagesPerSecond >= 20_000 : undefined,
  });

  const mesh40 = (i: Impl) => meshRows.find((r) => r.impl === i && r.n === 40);
  const r40 = mesh40("p2pchat");
  checks.push({
    target: "RSS ≤ 80 MB per peer at N = 40",
    ...both((i) => fmt(mesh40(i)?.rssMb.max, "MB (max)")),
    met: r40 ? r40.rssMb.max <= 80 : undefined,
  });

  const many500 = (i: Impl) => results.many.find((r) => r.impl === i && r.m === 500);
  const m500 = many500("p2pchat");
  checks.push({
    target: "one node holds 500 virtual peers (1,000 connections), fan-out p99 ≤ 200 ms",
    ...both((i) => {
      const r = many500(i);
      if (!r) return "—";
      return r.connectAllMs === undefined ? `${r.outbound} + ${r.inbound} of 1000 connections` : `1000 connections, p99 ${fmt(r.fanout?.toAll.p99, "ms")}`;
    }),
    met: m500 ? m500.connectAllMs !== undefined && m500.fanout !== undefined && m500.fanout.incomplete === 0 && m500.fanout.toAll.p99 <= 200 : undefined,
  });

  checks.push(...goalChecks(results));

  const rows = comparisons(results).map(ratio).filter((r) => r.factor !== undefined);
  const twice = rows.filter((r) => r.factor! >= 2).length;
  checks.push({
    target: "at least 2× better than the reference peer on every comparable figure",
    p2pchat: `${twice} of ${rows.length} figures`,
    refpeer: "",
    met: rows.length > 0 ? twice === rows.length : undefined,
  });
  return checks;
}

/** "205 ms (+115 over the floor)": a start-up figure beside what the bare Node.js script took. */
function overFloor(value: number | undefined, floor: number | undefined, unit: string): string {
  if (value === undefined) return "—";
  return floor === undefined ? fmt(value, unit) : `${fmt(value, unit)} (${value - floor >= 0 ? "+" : "−"}${fmt(round(Math.abs(value - floor)), unit)} over the floor)`;
}

/** The start-up, command-line and "no worse than the reference peer" goals. */
export function goalChecks(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const startup = (s: "floor" | Impl) => (results.startup ?? []).find((r) => r.subject === s);
  const floor = startup("floor");
  const ours = startup("p2pchat");
  const startupGoal = (target: string, key: "acceptMs" | "cpuMs" | "rssMb", unit: string, within: number) => {
    checks.push({
      target,
      p2pchat: overFloor(ours?.[key], floor?.[key], unit),
      refpeer: fmt(startup("refpeer")?.[key], unit),
      met: ours && floor ? ours[key] - floor[key] <= within : undefined,
    });
  };
  startupGoal("daemon start → TCP accepting within 30 ms of the floor (bare Node.js, three sockets)", "acceptMs", "ms", 30);
  startupGoal("start-up CPU (1 s after accepting) within 40 ms of the floor", "cpuMs", "ms", 40);
  startupGoal("RSS after start-up within 8 MB of the floor", "rssMb", "MB", 8);

  const cli = (command: string) => (results.cli ?? []).find((c) => c.command === command)?.wallMs;
  const bare = cli("node -e 0");
  const slowest = Math.max(cli("p2pchat --version") ?? NaN, cli("p2pchat --help") ?? NaN);
  checks.push({
    target: "`p2pchat --version` and `--help` within 1.3× of `node -e 0`",
    p2pchat: bare === undefined ? "—" : `${fmt(cli("p2pchat --version"), "ms")} / ${fmt(cli("p2pchat --help"), "ms")} (node -e 0: ${fmt(bare, "ms")})`,
    refpeer: "",
    met: bare !== undefined && Number.isFinite(slowest) ? slowest <= 1.3 * bare : undefined,
  });

  const npmStart = results.npmStart;
  checks.push({
    target: "`npm start` on an unchanged tree answers HTTP within 2 s",
    p2pchat: npmStart ? `${fmt(npmStart.httpMs, "ms")} (slowest of ${npmStart.runs.length}: ${fmt(npmStart.maxMs, "ms")})` : "—",
    refpeer: "",
    met: npmStart ? npmStart.maxMs <= 2_000 : undefined,
  });

  /** Every figure p2pchat must not be worse than the reference peer on; undefined if none measured. */
  const noWorse = (target: string, figures: Comparison[]) => {
    const both = figures.filter((c) => isNumber(c.p2pchat) && isNumber(c.refpeer));
    const worse = both.filter((c) => isWorse(c, c.p2pchat!, c.refpeer!));
    // The floor stops a figure when the bare Node.js peer is worse than the reference peer there too,
    // in the same run, and p2pchat is no worse than the bare peer.
    const stoppedByFloor = (c: Comparison) => isNumber(c.floor) && isWorse(c, c.floor, c.refpeer!) && !isWorse(c, c.p2pchat!, c.floor);
    const missed = (c: Comparison) =>
      `${c.figure}, ${timesWorse(c, c.p2pchat!)} the reference peer's${isNumber(c.floor) ? ` (the bare Node.js peer ${timesWorse(c, c.floor)})` : ""}`;
    checks.push({
      target,
      p2pchat: both.length === 0 ? "—" : worse.length === 0 ? `${both.length} of ${both.length} figures no worse` : `worse on ${worse.map(missed).join("; ")}`,
      refpeer: "",
      met: both.length === 0 ? undefined : worse.length === 0 ? true : worse.every(stoppedByFloor) ? "floor" : false,
    });
  };
  const all = comparisons(results);
  noWorse("delivery to all 9 and to all 19 others, p50 and p99: no worse than the reference peer", all.filter((c) => /^delivery to all/.test(c.figure)));
  noWorse("mesh of 5, 10, 20, 40 after the last start: no worse than the reference peer", all.filter((c) => /last peer's first hello/.test(c.figure)));
  noWorse("idle CPU per peer: no worse than the reference peer", all.filter((c) => /^idle CPU/.test(c.figure)));

  const factorOf = (pattern: RegExp) => {
    const c = all.find((x) => pattern.test(x.figure));
    return c ? ratio(c) : undefined;
  };
  for (const [target, pattern, at] of [
    ["ingest ≥ 2.4× the reference peer's", /^ingest on/, 2.4],
    ["fan-out sustained ≥ 5× the reference peer's", /highest rate sustained/, 5],
  ] as const) {
    const r = factorOf(pattern);
    checks.push({ target, p2pchat: r ? r.text : "—", refpeer: "", met: r?.factor === undefined ? undefined : r.factor >= at - 1e-9 });
  }
  return checks;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A machine up for less than this had not settled after its boot when a run began. */
const SETTLED_AFTER_SECONDS = 15 * 60;

/** "3 min", "1 h 37 min": how long a machine had been up (the report's and the run's log). */
export function upFor(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const yesNo = (met: TargetCheck["met"]) =>
  met === undefined ? "not measured" : met === "floor" ? "**stopped by the floor**" : met ? "**met**" : "**not met**";

export function renderReport(results: Results, analysis?: string): string {
  const { machine, plan } = results;
  // The rounds' medians, worked out once for every section that shows them.
  const meshRows = meshMedians(results);
  const deliveryRows = deliveryMedians(results);
  const out: string[] = [];
  out.push("# Benchmarks: p2pchat beside the reference peer");
  out.push("");
  out.push(`A fresh run of \`${results.command}\` on ${results.startedAt.slice(0, 10)} (${results.startedAt.slice(11, 16)} UTC, ${results.seconds} s), generated by it. ` +
    `The raw figures are in [results.json](results.json); every number here is p2pchat and the reference peer ` +
    `(\`../shared/reference-peer/refpeer.py\`) under the same workload, in the same run.${plan.quick ? " **This is the quick set** (`--quick`)." : ""}`);
  out.push("");
  out.push("## Machine");
  out.push("");
  out.push(table(["", ""], [
    ["CPU", `${machine.cpuModel}, ${machine.cores} cores`],
    ["memory", `${machine.memoryGiB} GiB`],
    ["system", `${machine.os}, Linux ${machine.kernel}`],
    ["runtimes", `Node.js ${machine.node} (p2pchat), ${machine.python} (reference peer), ${machine.tcpdump}`],
    ["p2pchat", `commit ${machine.commit}${machine.dirty ? " with uncommitted changes" : ""}`],
    ["other work", `cores ${fmt(results.busyBeforePercent, "%")} busy in the 2 s before the run; load average (1, 5, 15 min) ${machine.loadAverage.join(", ")} at the start, ${results.loadAverageAfter.join(", ")} at the end${machine.uptimeSeconds === undefined ? "" : `; up ${upFor(machine.uptimeSeconds)} when it started`}`],
    ...((results.kernelLimitsRaised ?? []).length ? [["raised for the run", results.kernelLimitsRaised.join("; ") + " (the ARP table is shared by all namespaces; a mesh of 40 needs 1,560 entries)"]] : []),
  ]));
  out.push("");
  out.push("Every peer, the harness, tcpdump and the load generator share these cores, as N students' peers would " +
    "share a machine if they all ran on one. Other work on the machine slows every figure: run the benchmark " +
    "for the committed results when the machine is otherwise idle (check `uptime` first).");
  if (results.busyBeforePercent > 10) {
    out.push("");
    out.push(`> The machine was not idle when this run started (its cores ${results.busyBeforePercent} % busy with other work): other processes competed for the two cores.`);
  }
  if (machine.uptimeSeconds !== undefined && machine.uptimeSeconds < SETTLED_AFTER_SECONDS) {
    out.push("");
    out.push(`> The machine had been up ${upFor(machine.uptimeSeconds)} when this run started: a machine still settling after its boot slows the start-up figures (bench/analysis.md, "The run of 22:09").`);
  }
  out.push("");
  out.push("Commands: `npm ci && npm run bench` (everything below); `npm run bench -- --quick` (a reduced set in under 3 minutes); " +
    "`npm run bench -- --only ingest,many` (some scenarios). Root is needed for the network namespaces.");
  out.push("");

  out.push("## Targets");
  out.push("");
  const checks = targets(results);
  out.push(table(["target", "p2pchat", "reference peer", "p2pchat"], checks.map((t) => [t.target, t.p2pchat, t.refpeer, yesNo(t.met)])));
  out.push("");
  if (checks.some((t) => t.met === "floor" || /the bare Node\.js peer/.test(t.p2pchat))) {
    out.push("**Stopped by the floor**: p2pchat is worse than the reference peer on a figure where the bare Node.js peer " +
      "(`bench/floor-chat-peer.mjs`: no checks, no limits, no log, no waiting for acks) is worse than the reference peer too, " +
      "in this run, and p2pchat no worse than the bare peer: there the runtime's own floor is over the reference peer. " +
      "Beside each figure missed, p2pchat's and the bare peer's as a multiple of the reference peer's.");
    out.push("");
  }
  out.push("## Every comparable figure");
  out.push("");
  out.push(table(["figure", "better", "p2pchat", "reference peer", "p2pchat is", "≥ 2×"], comparisons(results).map((c) => {
    const r = ratio(c);
    return [c.figure, c.better, fmt(c.p2pchat, c.unit), fmt(c.refpeer, c.unit), r.text, r.factor === undefined ? "—" : r.factor >= 2 ? "yes" : "no"];
  })));
  out.push("");

  if ((results.floor ?? []).length > 0) {
    out.push("## 0. The runtimes' floor");
    out.push("");
    const f0 = results.floor[0]!;
    out.push(`Not a peer: the smallest TCP server each runtime can be (read a frame, write an ack), fed ${f0.messages} frames one at a time on loopback, one every ${f0.gapMs} ms. What any peer on that runtime pays per message and in memory before doing any work of its own; the figures below include it.`);
    out.push("");
    out.push(table(["runtime", "CPU per message", "RSS"], results.floor.map((f) => [f.runtime === "node" ? `Node.js ${machine.node} (p2pchat)` : `${machine.python} (reference peer)`, fmt(f.cpuPerMessageUs, "µs"), fmt(f.rssMb, "MB")])));
    out.push("");
  }

  if ((results.startup ?? []).length > 0) {
    out.push("## 0b. Start-up against the floor");
    out.push("");
    out.push(`Each started alone in an idle namespace, in turn (the floor, p2pchat, the reference peer, the floor, ...), ${results.startup![0]!.runs.length} times; medians. The floor is a bare Node.js script that opens the protocol's three sockets and nothing else (\`bench/floor-peer.mjs\`): what any Node.js peer pays. "TCP accepting" is from spawning the process to the first TCP connection to port 9876 that succeeds (polled every millisecond from outside); CPU is the time on a CPU of every thread of the process (\`/proc/<pid>/task/*/schedstat\`, to the nanosecond) ${plan.startup?.cpuAfterMs ?? 1000} ms after that, RSS is VmRSS ${plan.startup?.rssAfterMs ?? 2000} ms after it.`);
    out.push("");
    const floor = results.startup!.find((r) => r.subject === "floor");
    const label = { floor: `floor: bare Node.js ${machine.node}, three sockets`, p2pchat: "p2pchat daemon", refpeer: "reference peer" } as const;
    // Each start's fastest and slowest beside the medians: on a machine whose speed for a start
    // moves from minute to minute, the floor's own spread says how far a margin over it can move
    // (bench/analysis.md "Start-up: one of two speeds").
    const spread = (r: StartupResult, key: "acceptMs" | "cpuMs") => {
      const values = r.runs.map((run) => run[key]);
      return values.length > 1 ? `${fmt(Math.min(...values))}-${fmt(Math.max(...values), "ms")}` : "—";
    };
    out.push(table(["process", "TCP accepting", "over the floor", "fastest-slowest", "CPU", "over the floor", "fastest-slowest", "RSS", "over the floor"],
      results.startup!.map((r) => [label[r.subject], fmt(r.acceptMs, "ms"), r.subject === "floor" || !floor ? "" : fmt(round(r.acceptMs - floor.acceptMs), "ms"), spread(r, "acceptMs"),
        fmt(r.cpuMs, "ms"), r.subject === "floor" || !floor ? "" : fmt(round(r.cpuMs - floor.cpuMs), "ms"), spread(r, "cpuMs"),
        fmt(r.rssMb, "MB"), r.subject === "floor" || !floor ? "" : fmt(round(r.rssMb - floor.rssMb), "MB")])));
    out.push("");
    if ((results.cli ?? []).length > 0) {
      const bare = results.cli!.find((c) => c.command === "node -e 0")?.wallMs;
      out.push(`Wall time from spawn to exit, median of ${results.cli![0]!.runs.length} (in turn, after one warm-up each):`);
      out.push("");
      out.push(table(["command", "wall time", "against node -e 0"], results.cli!.map((c) => [`\`${c.command}\``, fmt(c.wallMs, "ms"), bare ? `${round(c.wallMs / bare)}×` : "—"])));
      out.push("");
    }
    if (results.npmStart) {
      const { httpMs, maxMs, runs } = results.npmStart;
      out.push(`\`npm start\` on the tree \`npm run bench\` has just built (so nothing is rebuilt), alone in an idle namespace, ${runs.length} times: from spawning npm to the first answer of \`GET /health\`, median ${fmt(httpMs, "ms")}, slowest ${fmt(maxMs, "ms")} (${runs.map((r) => fmt(r, "ms")).join(", ")}).`);
      out.push("");
    }
  }

  if (results.mesh.length > 0) {
    out.push("## 1. Mesh formation");
    out.push("");
    out.push(`N peers on N hosts, started one right after the other; the mesh is formed when every ordered pair has a working connection (the server answered the client's hello, seen on the wire; \`ss\` in every namespace then confirms one inbound and one outbound connection per pair). "Last start" is the moment the last peer's first UDP hello is on the wire: when it is up. Start-up is from starting the process to its first hello.`);
    out.push("");
    const roundCount = Math.max(...meshRows.map((r) => r.rounds.length));
    if (roundCount > 1) {
      out.push(`Each size and implementation ran ${roundCount} times, in turn round by round; every figure here and in section 5 is the median of the rounds' (a mesh that did not form counts as the slowest), each round's "last start → mesh" beside it, and the pairs and \`ss\` are those of the worst round.`);
      out.push("");
    }
    const roundsColumn = (r: MeshRow) => (roundCount > 1 ? [r.rounds.map((x) => fmt(x.fromLastStartMs)).join(", ")] : []);
    out.push(table(["N", "implementation", "first start → mesh", "last start → mesh", ...(roundCount > 1 ? ["rounds (ms)"] : []), "start-up p50 / max", "pairs", "ss agrees"],
      meshRows.filter((r) => r.n > 1).map((r) => [String(r.n), IMPL_LABEL[r.impl], fmt(r.meshMs, "ms"), fmt(r.fromLastStartMs, "ms"), ...roundsColumn(r),
        `${fmt(r.startup.p50)} / ${fmt(r.startup.max, "ms")}`, `${r.pairs} / ${r.pairsNeeded}`, r.verified ? "yes" : "no"])));
    out.push("");
  }

  const newcomers = newcomerMedians(results);
  if (newcomers.length > 0) {
    out.push("## 1b. A newcomer to a settled room");
    out.push("");
    out.push(`N-1 peers of one kind form their mesh and settle; then, in the quiet between the room's periodic hellos, an Nth starts. From the newcomer's first hello on the wire until every pair with it is connected, with the CPU the room and the newcomer spent (to the nanosecond, from \`schedstat\`): the mesh's "after the last start" without the backlog of the starts just before it. The implementations in turn, round by round; medians of the rounds.`);
    out.push("");
    out.push(table(["N", "implementation", "hello → last pair", "rounds", "CPU of the room, per peer", "newcomer's CPU from its start"],
      newcomers.map((m) => [String(m.n), IMPL_LABEL[m.impl], fmt(m.meshMs, "ms"), m.rounds.map((r) => fmt(r, "ms")).join(", "),
        fmt(m.roomCpuMsPerPeer, "ms"), fmt(m.newcomerCpuMs, "ms")])));
    out.push("");
  }

  if (results.delivery.length > 0) {
    out.push("## 2. Delivery latency");
    out.push("");
    const first = results.delivery[0]!;
    const warmupRate = deliveryWarmupRate(plan.delivery);
    const roundCount = Math.max(...deliveryRows.map((r) => r.rounds.length));
    const rounds = roundCount > 1
      ? ` Each size and implementation ran ${roundCount} times, in turn round by round; every figure below is the median of the rounds' (a row's p50 and p99 may come from different rounds), each round's p50 / p99 to all beside it, and "not everywhere" counts all rounds.`
      : "";
    out.push(`A full mesh of N; ${first.messages} messages at ${first.rate} messages/s, sent round robin on every peer through \`GET /send\`, after ${plan.delivery.warmupMessages} warm-up messages ${warmupRate === plan.delivery.rate ? "at the same rate" : `at ${warmupRate} messages/s`} (reported apart: a peer that has just started compiles its hot paths during its first messages). Latency is from the moment the harness writes the request until the last of the N-1 others has the message in its history, which is when its ack leaves it (see the method below).${rounds}`);
    out.push("");
    const roundsColumn = (r: DeliveryRow) => (roundCount > 1 ? [r.rounds.map((x) => `${fmt(x.toAll.p50)} / ${fmt(x.toAll.p99)}`).join(", ")] : []);
    out.push(table(["N", "implementation", "to all p50", "p90", "p99", "max", ...(roundCount > 1 ? ["rounds: p50 / p99 (ms)"] : []), "to one p50 / p99", "/send answered p50", "not everywhere", "warm-up p50 / p99"],
      deliveryRows.map((r) => [String(r.n), IMPL_LABEL[r.impl], fmt(r.toAll.p50, "ms"), fmt(r.toAll.p90, "ms"), fmt(r.toAll.p99, "ms"), fmt(r.toAll.max, "ms"), ...roundsColumn(r),
        `${fmt(r.toEach.p50)} / ${fmt(r.toEach.p99, "ms")}`, fmt(r.http.p50, "ms"), String(r.undelivered + r.failedSends),
        r.warmUp ? `${fmt(r.warmUp.p50)} / ${fmt(r.warmUp.p99, "ms")}` : "—"])));
    out.push("");
    const split = deliveryRows.filter((r) => r.split);
    if (split.length > 0) {
      out.push("Where the time goes, per message and receiver: from the request until the sender wrote the `new_message` to that receiver, and from there until the receiver's ack left it (both on the wire); and the CPU all N peers spent together per message (one `/send`, N-1 frames received and acked, N-1 acks read), from `/proc` over the measured messages. The bare Node.js peer (`bench/floor-chat-peer.mjs`) is the protocol in as little Node.js as it takes, no checks, no waiting for acks: what the runtime costs for the same work.");
      out.push("");
      const cpuRounds = (r: DeliveryRow) => (roundCount > 1 ? [r.rounds.map((x) => (x.cpuPerMessageMs === undefined ? "—" : fmt(x.cpuPerMessageMs))).join(", ")] : []);
      out.push(table(["N", "implementation", "request → on the wire p50 / p99", "wire → ack p50 / p99", "CPU of all peers per message", ...(roundCount > 1 ? ["rounds (ms)"] : [])],
        split.map((r) => [String(r.n), IMPL_LABEL[r.impl], `${fmt(r.split!.toWire.p50)} / ${fmt(r.split!.toWire.p99, "ms")}`,
          `${fmt(r.split!.wireToAck.p50)} / ${fmt(r.split!.wireToAck.p99, "ms")}`, r.cpuPerMessageMs === undefined ? "—" : fmt(r.cpuPerMessageMs, "ms"), ...cpuRounds(r)])));
      out.push("");
    }
  }

  if (results.ingest.length > 0) {
    out.push("## 3. Ingest");
    out.push("");
    const r0 = results.ingest[0]!;
    out.push(`One peer receives \`new_message\` on ${r0.connections} connections from ${r0.connections} virtual peers, each sending its next message as soon as the previous one is acked (one in flight per connection, as the protocol's peers expect). Messages acked per second over ${r0.seconds} s after a warm-up; the median of ${plan.ingest.repeats} alternating round(s) counts. CPU is % of one core. The ceiling row is the same load against a server that only acks (section 0's bare Node.js server): what the load generator and the machine allow at all.`);
    out.push("");
    const label = (impl: IngestResult["impl"]) => (impl === "bare-node" ? "ceiling: bare Node.js ack server" : IMPL_LABEL[impl]);
    const rows = [...results.ingest.map((r, i) => ({ r, round: String(Math.floor(i / IMPLS.length) + 1) })),
      ...(results.ingestCeiling ?? []).map((r) => ({ r, round: "" }))];
    out.push(table(["implementation", "round", "messages/s", "ack round trip p50 / p99", "peer CPU", "CPU per message", "load generator CPU", "machine (all cores)", "RSS after"],
      rows.map(({ r, round: n }) => [label(r.impl), n, fmt(r.messagesPerSecond), `${fmt(r.rttMs.p50)} / ${fmt(r.rttMs.p99, "ms")}`,
        fmt(r.peerCpuPercent, "%"), fmt(cpuPerMessage(r), "µs"), fmt(r.loadgenCpuPercent, "%"), fmt(r.machineCpuPercent, "%"), fmt(r.rssAfterMb, "MB")])));
    out.push("");
  }

  if (results.fanout.length > 0) {
    out.push("## 4. Fan-out");
    out.push("");
    out.push(`A full mesh of ${results.fanout[0]!.n}; one peer sends through \`GET /send\` at rising rates (${plan.fanout.stepSeconds} s per rate). A rate is sustained when the API answers the sends as fast as they are offered (within 5 %), every message reaches all ${results.fanout[0]!.n - 1} others, and p99 delivery to all stays under 1 s. Stepping stops at the first rate not sustained. The sends come from a thread of the harness of their own, over a lean HTTP/1.1 client (up to 16 keep-alive connections, one request at a time on each; bench/scenarios/fanout-sender.ts), so that above 3,000/s the harness is not what runs out. The bare Node.js peer writes each message to every connection at once, without waiting for acks.`);
    out.push("");
    out.push(table(["implementation", "offered /s", "answered /s", "delivered", "to all p50 / p99", "drain after last send", "sender CPU", "harness CPU", "machine (all cores)", "sustained"],
      results.fanout.flatMap((f) => f.steps.map((s) => [IMPL_LABEL[f.impl], fmt(s.offeredRate), fmt(s.sendRate), `${s.delivered} / ${s.messages}`,
        `${fmt(s.toAll.p50)} / ${fmt(s.toAll.p99, "ms")}`, fmt(s.drainMs, "ms"), fmt(s.senderCpuPercent, "%"), fmt(s.harnessCpuPercent, "%"), fmt(s.machineCpuPercent, "%"),
        s.sustained ? "yes" : `no: ${s.why}`]))));
    out.push("");
    out.push(table(["implementation", "highest rate sustained"], results.fanout.map((f) => [IMPL_LABEL[f.impl], fmt(f.sustainedRate, "messages/s")])));
    out.push("");
  }

  if (results.mesh.length > 0) {
    out.push("## 5. Footprint");
    out.push("");
    out.push(`Resident memory (VmRSS) of every peer ${plan.mesh.settleMs / 1000} s after its mesh formed, and CPU over an idle window (no messages; discovery keeps announcing every 5 s) in % of one core. N = 1 is a peer alone.`);
    out.push("");
    out.push("PSS splits the pages that processes share (the runtime's code, mapped by every peer) among them, and USS is what a peer holds alone: what 40 peers on one machine really cost each. RSS counts the shared pages again for every process.");
    out.push("");
    out.push("Idle CPU is each peer's time on a CPU to the nanosecond (`/proc/<pid>/task/*/schedstat`), with how often its threads were woken (voluntary context switches) and what a peer pays per wake-up: the first tells a peer that wakes more often from one that does more each time." +
      (plan.mesh.rounds > plan.mesh.idleCpuRounds ? ` It is measured in the first ${plan.mesh.idleCpuRounds} of the ${plan.mesh.rounds} rounds (30 s windows take most of a round's time); the figures are the medians of those.` : ""));
    out.push("");
    out.push(table(["N", "implementation", "RSS median", "RSS max", "PSS median", "USS median", "threads", "idle CPU median / max", "idle CPU, all peers", "wake-ups per peer and s", "CPU per wake-up"],
      meshRows.map((r) => [String(r.n), IMPL_LABEL[r.impl], fmt(r.rssMb.median, "MB"), fmt(r.rssMb.max, "MB"), fmt(r.pssMb, "MB"), fmt(r.ussMb, "MB"), fmt(r.threads),
        r.idleCpu ? `${fmt(r.idleCpu.medianPercent)} / ${fmt(r.idleCpu.maxPercent, "%")} over ${r.idleCpu.seconds} s` : "—",
        r.idleCpu ? fmt(r.idleCpu.totalPercent, "%") : "—",
        r.idleCpu?.wakeUpsPerSecond !== undefined ? fmt(r.idleCpu.wakeUpsPerSecond) : "—",
        r.idleCpu?.usPerWakeUp !== undefined ? fmt(r.idleCpu.usPerWakeUp, "µs") : "—"])));
    const afterDelivery = deliveryRows.map((r) => `${IMPL_LABEL[r.impl]} ${fmt(r.rssAfterMb, "MB")} (N = ${r.n})`);
    if (afterDelivery.length) out.push("", `RSS after the delivery runs (history full: 100 messages), median per peer: ${afterDelivery.join(", ")}.`);
    out.push("");
  }

  if (results.many.length > 0) {
    out.push("## 6. One node, many peers");
    out.push("");
    out.push(`One peer under test and M virtual peers played by one load generator process (\`bench/loadgen.ts\`), each virtual peer on its own address in one namespace. They say hello by UDP (10 every 10 ms; again after 1 s if unanswered), the peer answers and connects to each, each connects to it: 2M connections. Then ${plan.many.messages} messages at ${plan.many.rate}/s through the peer's \`/send\`; latency is until the last of the M has it (arrival timed by the load generator, which also sent the request).`);
    out.push("");
    out.push(table(["M", "implementation", "all 2M connections", "half of them", "fan-out to all p50 / p99", "to one p99", "RSS idle → connected → after", "threads"],
      results.many.map((r) => [String(r.m), IMPL_LABEL[r.impl],
        r.connectAllMs === undefined ? `not all: ${r.outbound} out + ${r.inbound} in` : fmt(r.connectAllMs, "ms"), fmt(r.connectHalfMs, "ms"),
        r.fanout ? `${fmt(r.fanout.toAll.p50)} / ${fmt(r.fanout.toAll.p99, "ms")}${r.fanout.incomplete ? ` (${r.fanout.incomplete} incomplete)` : ""}` : "—",
        r.fanout ? fmt(r.fanout.toEach.p99, "ms") : "—",
        `${fmt(r.rssIdleMb)} → ${fmt(r.rssConnectedMb)} → ${fmt(r.rssAfterFanoutMb, "MB")}`, fmt(r.threads)])));
    out.push("");
  }

  out.push(...renderBridge(results.bridge ?? []));

  out.push("## Charts");
  out.push("");
  out.push("![Delivery latency against the number of peers](latency.svg)");
  out.push("");
  out.push("![RSS against the number of peers](rss.svg)");
  out.push("");

  if (results.errors.length > 0) {
    out.push("## Runs that failed");
    out.push("");
    out.push(table(["scenario", "implementation", "size", "error"], results.errors.map((e) => [e.scenario, e.impl === "node" || e.impl === "python" || e.impl === "all" ? e.impl : IMPL_LABEL[e.impl], e.size === undefined ? "" : String(e.size), e.message.replace(/\|/g, "\\|").replace(/\n/g, " ").slice(0, 300)])));
    out.push("");
  }

  out.push("## How it is measured");
  out.push("");
  out.push(METHOD);
  if (analysis) {
    out.push("");
    out.push(analysis.trim());
  }
  return out.join("\n") + "\n";
}

const METHOD = `- **Hosts**: every peer runs on its own host, a network namespace with one veth on a Linux bridge,
  in 198.18.0.0/15 (\`test/lan/netns.ts\`, the multi-host tests' harness). Real UDP broadcast, real TCP.
  Both implementations start with their defaults (5 s discovery interval, history of 100; p2pchat logs at
  \`info\`), told only their peer_id, the LAN's broadcast address and to serve HTTP on the host's address,
  except that p2pchat's per-peer rate limit (\`[HISTORY] peer_rate\`, \`peer_burst\`, which refuses a flood
  from one peer) is lifted: the scenarios measure capacity, and the reference peer has no such limit.
  p2pchat is started as \`npm start\` starts it: \`node dist/src/cli/main.js --config bench.ini\`.
- **Observation on the wire**: tcpdump captures the LAN's protocol traffic as it enters the bridge
  (\`bench/capture.ts\`); \`bench/pcap.ts\` and \`bench/wire.ts\` put the TCP streams back in order and cut them
  into frames with p2pchat's own frame decoder. On every connection the k-th answer after the hello reply
  acknowledges the k-th \`new_message\` (docs/protocol.md §2), and both implementations store a message before
  they ack it, so the moment a receiver's ack leaves it is the moment the message is in its history. This
  watches both implementations the same way, from outside, with kernel timestamps (µs), and without polling
  the peers (which would load them). The harness's own clock (\`performance.timeOrigin + performance.now()\`)
  is the same wall clock; send times are taken just before the \`/send\` request is written.
- **Mesh formation**: connections count when the server's hello reply is on the wire; \`ss\` confirms.
- **A newcomer to a settled room** (1b): every peer says hello every 5 s from its own start, so a room's
  hellos come as a burst, each answered by every other peer; the newcomer starts 2.5 s after a burst
  begins, in the quiet half of the interval (started a fixed time after the mesh, it fell into the burst
  for some implementations and not others).
- **Load generator** (\`bench/loadgen.ts\`, ingest and many peers): one Node.js process playing whole,
  correct peers, each on its own address, with p2pchat's frame decoder and encoder. It times what it
  receives itself.
- **Memory** is VmRSS from \`/proc/<pid>/status\`; **CPU** is utime + stime from \`/proc/<pid>/stat\` over
  the window, in % of one core.
- **Percentiles** are nearest-rank over all samples (a p99 of 250 messages is the third-largest).`;

/** The charts, by file name. */
export function renderCharts(results: Results): Record<string, string> {
  const latency: Series[] = [];
  const rss: Series[] = [];
  const deliveryRows = deliveryMedians(results);
  const meshRows = meshMedians(results);
  for (const impl of IMPLS) {
    const color = COLORS[impl];
    const delivery = deliveryRows.filter((r) => r.impl === impl);
    latency.push({ label: `${IMPL_LABEL[impl]}: mesh, p99 to all N-1 others`, color, points: delivery.map((r) => [r.n, r.toAll.p99]) });
    latency.push({ label: `${IMPL_LABEL[impl]}: mesh, p50 to all N-1 others`, color, dashed: true, points: delivery.map((r) => [r.n, r.toAll.p50]) });
    const many = results.many.filter((r) => r.impl === impl && r.fanout);
    latency.push({ label: `${IMPL_LABEL[impl]}: one node to M virtual peers, p99 to all`, color: impl === "p2pchat" ? "#17becf" : "#ff7f0e", points: many.map((r) => [r.m, r.fanout!.toAll.p99]) });
    const mesh = meshRows.filter((r) => r.impl === impl);
    rss.push({ label: `${IMPL_LABEL[impl]}: each peer of a mesh of N (median)`, color, points: mesh.map((r) => [r.n, r.rssMb.median]) });
    const manyRss = results.many.filter((r) => r.impl === impl);
    rss.push({ label: `${IMPL_LABEL[impl]}: one node with M virtual peers`, color: impl === "p2pchat" ? "#17becf" : "#ff7f0e", dashed: true, points: manyRss.map((r) => [r.m, r.rssAfterFanoutMb]) });
  }
  return {
    "latency.svg": lineChart({
      title: "Delivery latency against the number of peers",
      xLabel: "peers (N in a mesh, or M virtual peers of one node)",
      yLabel: "ms, send → in every other history",
      xLog: true,
      yLog: true,
      series: latency,
    }),
    "rss.svg": lineChart({
      title: "Resident memory against the number of peers",
      xLabel: "peers (N in a mesh, or M virtual peers of one node)",
      yLabel: "RSS, MB",
      xLog: true,
      series: rss,
    }),
  };
}

/** A scenario's rounds, grouped per size and implementation, in the order the run met them. */
function byImplAndSize<T extends { impl: Impl; n: number }>(results: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const r of results) {
    const key = `${r.n} ${r.impl}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()];
}

/** One implementation at one size in scenarios 1 and 5: the medians of its rounds, and the rounds. */
export interface MeshRow extends MeshResult {
  rounds: MeshResult[];
}

/**
 * The median of figures some rounds may lack (a mesh that never formed has no time): a missing
 * one counts as slower than any, so that one round of three that failed does not hide, and a
 * majority that failed leaves none.
 */
function medianOrMissing(values: ReadonlyArray<number | undefined>): number | undefined {
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const middle = median(sorted);
  return Number.isFinite(middle) ? round(middle) : undefined;
}

/**
 * Scenario 1's rounds (and with them scenario 5's footprint), per mesh size and implementation, in
 * the order the run met them: each figure the median of the rounds', a pair and `ss` counted
 * as in the worst round.
 */
export function meshMedians(results: Results): MeshRow[] {
  return byImplAndSize(results.mesh).map((rounds) => {
    const first = rounds[0]!;
    if (rounds.length === 1) return { ...first, rounds };
    const of = (get: (r: MeshResult) => number) => round(median(rounds.map(get)));
    const idle = rounds.map((r) => r.idleCpu).filter((cpu) => cpu !== undefined);
    const idleOf = (field: keyof NonNullable<MeshResult["idleCpu"]>) => round(median(idle.map((cpu) => cpu[field])));
    return {
      ...first,
      meshMs: medianOrMissing(rounds.map((r) => r.meshMs)),
      fromLastStartMs: medianOrMissing(rounds.map((r) => r.fromLastStartMs)),
      startup: medianSummary(rounds.map((r) => r.startup)),
      pairs: Math.min(...rounds.map((r) => r.pairs)),
      verified: rounds.every((r) => r.verified),
      rssMb: { median: of((r) => r.rssMb.median), max: of((r) => r.rssMb.max), perPeer: first.rssMb.perPeer },
      pssMb: of((r) => r.pssMb),
      ussMb: of((r) => r.ussMb),
      threads: of((r) => r.threads),
      // Idle CPU is measured in the first rounds only (bench/plan.ts mesh.idleCpuRounds).
      ...(idle.length > 0
        ? { idleCpu: { seconds: idleOf("seconds"), medianPercent: idleOf("medianPercent"), maxPercent: idleOf("maxPercent"),
          totalPercent: idleOf("totalPercent"), wakeUpsPerSecond: idleOf("wakeUpsPerSecond"), usPerWakeUp: idleOf("usPerWakeUp") } }
        : {}),
      rounds,
    };
  });
}

/** One implementation at one mesh size in scenario 2: the medians of its rounds, and the rounds. */
export interface DeliveryRow extends DeliveryResult {
  rounds: DeliveryResult[];
}

/** Each figure of a summary, the median of the rounds' (so a row's p50 and p99 may come from different rounds). */
function medianSummary(summaries: readonly Summary[]): Summary {
  const of = (field: keyof Summary) => round(median(summaries.map((s) => s[field])));
  return { count: of("count"), min: of("min"), p50: of("p50"), p90: of("p90"), p99: of("p99"), max: of("max"), mean: of("mean") };
}

/**
 * Scenario 2's rounds, per mesh size and implementation, in the order the run met them: every
 * latency figure and the CPU per message as the median of the rounds (what the goals are judged
 * on), the messages that did not arrive summed over them.
 */
export function deliveryMedians(results: Results): DeliveryRow[] {
  return byImplAndSize(results.delivery).map((rounds) => {
    const first = rounds[0]!;
    if (rounds.length === 1) return { ...first, rounds };
    const splits = rounds.map((r) => r.split).filter((split) => split !== undefined);
    const cpu = rounds.map((r) => r.cpuPerMessageMs).filter((ms) => ms !== undefined);
    return {
      ...first,
      toAll: medianSummary(rounds.map((r) => r.toAll)),
      toEach: medianSummary(rounds.map((r) => r.toEach)),
      http: medianSummary(rounds.map((r) => r.http)),
      warmUp: medianSummary(rounds.map((r) => r.warmUp)),
      ...(splits.length === rounds.length
        ? { split: { toWire: medianSummary(splits.map((x) => x.toWire)), wireToAck: medianSummary(splits.map((x) => x.wireToAck)) } }
        : {}),
      ...(cpu.length === rounds.length ? { cpuPerMessageMs: round(median(cpu)) } : {}),
      rssAfterMb: round(median(rounds.map((r) => r.rssAfterMb))),
      undelivered: rounds.reduce((sum, r) => sum + r.undelivered, 0),
      failedSends: rounds.reduce((sum, r) => sum + r.failedSends, 0),
      rounds,
    };
  });
}

/** Scenario 1b's rounds, per implementation and room size: medians, and each round's figure. */
function newcomerMedians(results: Results): { impl: Impl; n: number; meshMs: number; rounds: number[]; roomCpuMsPerPeer: number; newcomerCpuMs: number }[] {
  return byImplAndSize(results.newcomer ?? []).map((of) => {
    const { impl, n } = of[0]!;
    return {
      impl, n,
      meshMs: median(of.map((r) => r.meshMs)),
      rounds: of.map((r) => r.meshMs),
      roomCpuMsPerPeer: round(median(of.map((r) => r.roomCpuMs / (r.n - 1)))),
      newcomerCpuMs: median(of.map((r) => r.newcomerCpuMs)),
    };
  });
}
