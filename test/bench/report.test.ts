// The rules that judge the targets and compare the two implementations, on made-up results.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { comparisons, goalChecks, meshMedians, ratio, renderCharts, renderReport, targets } from "../../bench/report.js";
import { QUICK } from "../../bench/plan.js";
import type { Results } from "../../bench/results.js";
import type { Impl } from "../../bench/impl.js";
import type { MeshResult } from "../../bench/scenarios/mesh.js";

const summary = (p50: number, p99: number) => ({ count: 200, min: p50 / 2, p50, p90: (p50 + p99) / 2, p99, max: p99 * 1.2, mean: p50 });

function mesh(impl: Impl, n: number, fromLast: number, rss: number) {
  return {
    impl, n, meshMs: fromLast + 300, fromLastStartMs: fromLast, startup: summary(250, 300), pairs: n * (n - 1),
    pairsNeeded: n * (n - 1), verified: true, rssMb: { median: rss, max: rss + 1, perPeer: [] }, pssMb: rss / 2, ussMb: rss / 3, threads: 11,
  };
}

function results(overrides: Partial<Results> = {}): Results {
  return {
    format: 1,
    command: "npm run bench",
    plan: QUICK,
    startedAt: "2026-11-26T13:00:00.000Z",
    finishedAt: "2026-11-26T13:10:00.000Z",
    seconds: 600,
    machine: { cpuModel: "Test CPU", cores: 2, memoryGiB: 24, kernel: "6.1", os: "Debian", node: "v20", python: "Python 3.11", tcpdump: "tcpdump 4.99", loadAverage: [0.1, 0.2, 0.3], commit: "abc1234", dirty: false },
    busyBeforePercent: 2,
    loadAverageAfter: [0.5, 0.4, 0.3],
    clockSkewMs: 0.1,
    kernelLimitsRaised: ["net.ipv4.neigh.default.gc_thresh3 1024 → 8192"],
    floor: [{ runtime: "node", messages: 500, gapMs: 10, cpuPerMessageUs: 200, rssMb: 43 }, { runtime: "python", messages: 500, gapMs: 10, cpuPerMessageUs: 70, rssMb: 14 }],
    mesh: [mesh("p2pchat", 20, 40, 60), mesh("refpeer", 20, 100, 22), mesh("p2pchat", 40, 80, 70), mesh("refpeer", 40, 200, 25)],
    delivery: (["p2pchat", "refpeer"] as const).map((impl) => ({
      impl, n: 20, messages: 250, rate: 50, toAll: impl === "p2pchat" ? summary(5, 30) : summary(12, 90), toEach: summary(3, 20),
      http: summary(2, 5), undelivered: 0, failedSends: 0, rssAfterMb: 60, warmUp: summary(8, 60), series: [], capture: { gaps: 0, kernelDrops: 0 },
    })),
    ingest: [
      { impl: "p2pchat", connections: 4, messagesPerSecond: 25_000, acked: 125_000, refused: 0, seconds: 5, rttMs: summary(0.1, 0.5), peerCpuPercent: 50, loadgenCpuPercent: 60, machineCpuPercent: 90, rssAfterMb: 70 },
      { impl: "refpeer", connections: 4, messagesPerSecond: 10_000, acked: 50_000, refused: 0, seconds: 5, rttMs: summary(0.3, 1), peerCpuPercent: 90, loadgenCpuPercent: 30, machineCpuPercent: 80, rssAfterMb: 22 },
    ],
    ingestCeiling: [{ impl: "bare-node", connections: 4, messagesPerSecond: 45_000, acked: 225_000, refused: 0, seconds: 5, rttMs: summary(0.05, 0.2), peerCpuPercent: 60, loadgenCpuPercent: 95, machineCpuPercent: 85, rssAfterMb: 44 }],
    fanout: [],
    many: [
      { impl: "p2pchat", m: 500, connectAllMs: 800, connectHalfMs: 400, outbound: 500, inbound: 500, fanout: { messages: 50, rate: 10, failedSends: 0, incomplete: 0, toAll: summary(40, 150), toEach: summary(20, 60) }, rssIdleMb: 55, rssConnectedMb: 65, rssAfterFanoutMb: 70, threads: 11 },
      { impl: "refpeer", m: 500, connectAllMs: undefined, connectHalfMs: 900, outbound: 480, inbound: 500, rssIdleMb: 20, rssConnectedMb: 50, rssAfterFanoutMb: 50, threads: 1003 },
    ],
    errors: [],
    ...overrides,
  };
}

describe("bench report", () => {
  it("states a ratio the right way round for lower-is-better and higher-is-better figures", () => {
    assert.deepEqual(ratio({ figure: "x", better: "lower", p2pchat: 10, refpeer: 25, unit: "ms" }), { text: "2.5× better", factor: 2.5 });
    assert.deepEqual(ratio({ figure: "x", better: "lower", p2pchat: 30, refpeer: 10, unit: "ms" }), { text: "3× worse", factor: 1 / 3 });
    assert.deepEqual(ratio({ figure: "x", better: "higher", p2pchat: 20_000, refpeer: 8_000, unit: "/s" }), { text: "2.5× better", factor: 2.5 });
    assert.equal(ratio({ figure: "x", better: "lower", p2pchat: 0, refpeer: 0.1, unit: "%" }).text, "better");
    assert.equal(ratio({ figure: "x", better: "lower", p2pchat: 0, refpeer: 0, unit: "%" }).text, "same");
    assert.equal(ratio({ figure: "x", better: "lower", p2pchat: 5, refpeer: undefined, unit: "ms" }).factor, undefined);
  });

  it("judges each target from the figures, and says 'not measured' for what a run left out", () => {
    const checks = targets(results());
    const byName = (start: string) => checks.find((c) => c.target.startsWith(start))!;
    assert.equal(byName("mesh of 20").met, true);
    assert.equal(byName("p99 delivery").met, true);
    assert.equal(byName("ingest").met, true);
    assert.equal(byName("RSS").met, true);
    assert.equal(byName("one node holds 500").met, true);
    assert.match(byName("one node holds 500").refpeer, /480 \+ 500 of 1000/);
    // RSS per peer is worse than the reference peer's: not 2x better everywhere.
    assert.equal(byName("at least 2×").met, false);

    const slow = results({ ingest: [{ ...results().ingest[0]!, messagesPerSecond: 15_000 }] });
    assert.equal(targets(slow).find((c) => c.target.startsWith("ingest"))!.met, false);
    const partial = targets(results({ mesh: [], many: [] }));
    assert.equal(partial.find((c) => c.target.startsWith("mesh of 20"))!.met, undefined);
    assert.equal(partial.find((c) => c.target.startsWith("one node"))!.met, undefined);
  });

  it("judges the start-up goals against the floor of the same run, and the 'no worse' goals figure by figure", () => {
    const run = (acceptMs: number, cpuMs: number, rssMb: number) => ({ acceptMs, cpuMs, rssMb, runs: [] });
    const startup = (p2pchat: ReturnType<typeof run>) => [
      { subject: "floor" as const, ...run(90, 80, 44) }, { subject: "p2pchat" as const, ...p2pchat }, { subject: "refpeer" as const, ...run(82, 80, 22) },
    ];
    const cli = (help: number) => [{ command: "node -e 0", wallMs: 40, runs: [] }, { command: "p2pchat --version", wallMs: 45, runs: [] }, { command: "p2pchat --help", wallMs: help, runs: [] }];
    const byName = (checks: ReturnType<typeof goalChecks>, start: string) => checks.find((c) => c.target.startsWith(start))!;

    const lean = goalChecks(results({ startup: startup(run(115, 120, 50)), cli: cli(50) }));
    assert.equal(byName(lean, "daemon start").met, true);
    assert.equal(byName(lean, "daemon start").p2pchat, "115 ms (+25 ms over the floor)");
    assert.equal(byName(lean, "start-up CPU").met, true);
    assert.equal(byName(lean, "RSS after start-up").met, true);
    assert.equal(byName(lean, "`p2pchat --version`").met, true);
    const heavy = goalChecks(results({ startup: startup(run(205, 210, 60.6)), cli: cli(60) }));
    for (const goal of ["daemon start", "start-up CPU", "RSS after start-up", "`p2pchat --version`"]) assert.equal(byName(heavy, goal).met, false, goal);
    assert.equal(byName(goalChecks(results()), "daemon start").met, undefined, "not measured without the scenario");
    // npm start: every run within 2 s, not just the median.
    const npm = (runs: number[]) => goalChecks(results({ npmStart: { httpMs: runs[1]!, maxMs: Math.max(...runs), runs } }));
    assert.equal(byName(npm([270, 280, 290]), "`npm start`").met, true);
    assert.equal(byName(npm([270, 280, 290]), "`npm start`").p2pchat, "280 ms (slowest of 3: 290 ms)");
    assert.equal(byName(npm([270, 280, 2_100]), "`npm start`").met, false, "one run past 2 s");
    assert.equal(byName(goalChecks(results()), "`npm start`").met, undefined, "not measured without the scenario");

    // The made-up delivery has p2pchat faster at p50 and p99; the mesh has it faster at N = 20 and 40.
    assert.equal(byName(lean, "delivery to all").met, true);
    assert.equal(byName(lean, "mesh of 5").met, true);
    const slowMesh = goalChecks(results({ mesh: [mesh("p2pchat", 20, 400, 60), mesh("refpeer", 20, 40, 22)] }));
    assert.equal(byName(slowMesh, "mesh of 5").met, false);
    assert.equal(byName(slowMesh, "mesh of 5").p2pchat, "worse on mesh of 20: last peer's first hello → full mesh, 10× the reference peer's");

    // Where the bare Node.js peer is worse than the reference peer too, and p2pchat no worse than
    // it, the runtime stops the goal; where p2pchat is worse than that floor as well, it does not.
    const withFloor = (p2pchatMs: number, floorMs: number) =>
      byName(goalChecks(results({ mesh: [mesh("p2pchat", 20, p2pchatMs, 60), mesh("refpeer", 20, 40, 22), mesh("node-floor", 20, floorMs, 45)] })), "mesh of 5");
    assert.equal(withFloor(50, 60).met, "floor");
    assert.equal(withFloor(50, 60).p2pchat, "worse on mesh of 20: last peer's first hello → full mesh, 1.25× the reference peer's (the bare Node.js peer 1.5×)");
    assert.equal(withFloor(70, 60).met, false, "worse than the floor itself");
    assert.equal(withFloor(50, 30).met, false, "the floor under the reference peer");
    assert.equal(withFloor(30, 60).met, true);
    // Idle CPU can be zero, which admits no ratio: the figure still says which way it went.
    const idle = (maxPercent: number) => ({ seconds: 30, medianPercent: maxPercent, maxPercent, totalPercent: 1, wakeUpsPerSecond: 1, usPerWakeUp: 100 });
    const idleAt = (ours: number, theirs: number, floor: number) => byName(goalChecks(results({ mesh: [
      { ...mesh("p2pchat", 40, 60, 50), idleCpu: idle(ours) }, { ...mesh("refpeer", 40, 200, 25), idleCpu: idle(theirs) }, { ...mesh("node-floor", 40, 60, 45), idleCpu: idle(floor) },
    ] })), "idle CPU");
    assert.equal(idleAt(0.01, 0, 0).p2pchat, "worse on idle CPU per peer, mesh of 40 (max), more than the reference peer's (the bare Node.js peer the same as)");
    assert.equal(idleAt(0.01, 0, 0).met, false, "the floor no worse than the reference peer");
    assert.equal(idleAt(0.01, 0, 0.02).met, "floor");
    assert.match(renderReport(results({ mesh: [mesh("p2pchat", 20, 50, 60), mesh("refpeer", 20, 40, 22), mesh("node-floor", 20, 60, 45)] })),
      /\| mesh of 5, 10, 20, 40 after the last start: no worse than the reference peer \| .* \| \*\*stopped by the floor\*\* \|[\s\S]*\*\*Stopped by the floor\*\*: /);
    assert.equal(byName(lean, "ingest ≥ 2.4×").met, true); // 25,000 against 10,000
    assert.equal(byName(lean, "fan-out sustained").met, undefined);
  });

  it("compares every figure both implementations have, including derived CPU per message", () => {
    const rows = comparisons(results());
    const find = (figure: string) => rows.find((r) => r.figure === figure)!;
    assert.equal(find("ingest on 4 connections").p2pchat, 25_000);
    assert.equal(find("ingest: CPU per message received").p2pchat, 20); // 50 % of a core / 25,000 per s
    assert.equal(find("ingest: CPU per message received").refpeer, 90);
    assert.equal(find("500 virtual peers: all 1000 connections up").refpeer, undefined);
    assert.equal(find("delivery to all 19 others, p99").refpeer, 90);
  });

  it("sums up a newcomer's rounds by their medians, as a section and as a comparable figure outside the mesh goal", () => {
    const round = (impl: Impl, meshMs: number, roomCpuMs: number) =>
      ({ impl, n: 20, meshMs, roomCpuMs, newcomerCpuMs: 90, roomHellos: 0, pairs: { inbound: [], outbound: [] } });
    const run = results({ newcomer: [round("p2pchat", 30, 38), round("refpeer", 20, 19), round("p2pchat", 50, 57), round("refpeer", 22, 21), round("p2pchat", 31, 19)] });
    const row = comparisons(run).find((r) => r.figure.startsWith("a newcomer to a settled room of 19"))!;
    assert.equal(row.p2pchat, 31); // the middle of 30, 31 and 50
    assert.equal(row.refpeer, 20); // of two, the lower middle (bench/stats.ts quantile)
    const meshGoal = targets(run).find((c) => c.target.startsWith("mesh of 5, 10, 20, 40"))!;
    assert.doesNotMatch(meshGoal.p2pchat, /newcomer/);
    const text = renderReport(run, "");
    assert.match(text, /## 1b\. A newcomer to a settled room/);
    assert.match(text, /\| 20 \| p2pchat \| 31 ms \| 30 ms, 50 ms, 31 ms \| 2 ms \| 90 ms \|/); // room: the median of 2, 3 and 1 ms a peer
    assert.doesNotMatch(renderReport(results(), ""), /## 1b\./, "a run without the scenario has no section");
  });

  it("renders the report with machine, targets and a table per scenario, and both charts", () => {
    const text = renderReport(results({
      startup: [{ subject: "floor", acceptMs: 90, cpuMs: 80, rssMb: 44, runs: [] }, { subject: "p2pchat", acceptMs: 115, cpuMs: 120, rssMb: 50,
        runs: [{ acceptMs: 115, cpuMs: 120, rssMb: 50 }, { acceptMs: 98.5, cpuMs: 131, rssMb: 50 }, { acceptMs: 140, cpuMs: 104, rssMb: 50 }] }],
      cli: [{ command: "node -e 0", wallMs: 40, runs: [40] }, { command: "p2pchat --version", wallMs: 44, runs: [44] }],
    }), "## Analysis\n\nWhy each figure is what it is.");
    for (const heading of ["## Machine", "## Targets", "## 0. The runtimes' floor", "## 0b. Start-up against the floor", "## Every comparable figure", "## 1. Mesh formation", "## 2. Delivery latency", "## 3. Ingest", "## 5. Footprint", "## 6. One node, many peers", "## How it is measured", "## Analysis"]) {
      assert.ok(text.includes(heading), heading);
    }
    assert.ok(!text.includes("## 4. Fan-out"), "no fan-out results, no fan-out section");
    assert.match(text, /Test CPU, 2 cores/);
    assert.match(text, /\*\*This is the quick set\*\*/);
    assert.match(text, /\| ceiling: bare Node.js ack server \|  \| 45,000 \|/);
    // Each start's fastest and slowest beside the medians; a subject without its runs says so.
    assert.match(text, /\| p2pchat daemon \| 115 ms \| 25 ms \| 98\.5-140 ms \| 120 ms \| 40 ms \| 104-131 ms \| 50 MB \| 6 MB \|/);
    assert.match(text, /\| floor: bare Node\.js [^|]+ \| 90 ms \|  \| — \| 80 ms \|  \| — \| 44 MB \|  \|/);
    assert.match(text, /\| `p2pchat --version` \| 44 ms \| 1\.1× \|/);
    const charts = renderCharts(results());
    assert.deepEqual(Object.keys(charts).sort(), ["latency.svg", "rss.svg"]);
    for (const svg of Object.values(charts)) assert.match(svg, /<polyline /);
  });

  it("says how long the machine had been up, and warns when a run began before it settled after its boot", () => {
    const settled = renderReport(results({ machine: { ...results().machine, uptimeSeconds: 97 * 60 } }), "");
    assert.match(settled, /; up 1 h 37 min when it started \|/);
    assert.doesNotMatch(settled, /still settling after its boot/);
    const justBooted = renderReport(results({ machine: { ...results().machine, uptimeSeconds: 3 * 60 + 20 } }), "");
    assert.match(justBooted, /> The machine had been up 3 min when this run started: a machine still settling after its boot/);
    const older = renderReport(results(), "");
    assert.doesNotMatch(older, /when it started/, "results from before uptime was recorded say nothing of it");
  });

  it("judges the mesh on the medians of its rounds, a mesh that did not form counting as the slowest", () => {
    const round = (impl: Impl, fromLast: number | undefined, rss: number, k: number) =>
      ({ ...mesh(impl, 20, fromLast ?? 0, rss), fromLastStartMs: fromLast, meshMs: fromLast === undefined ? undefined : fromLast + 300, round: k });
    const run = results({ mesh: [
      round("p2pchat", 40, 60, 1), round("refpeer", 30, 22, 1),
      round("p2pchat", undefined, 62, 2), round("refpeer", 35, 24, 2),
      round("p2pchat", 20, 61, 3), round("refpeer", 25, 23, 3),
    ] });
    const find = (figure: string) => comparisons(run).find((r) => r.figure === figure)!;
    assert.equal(find("mesh of 20: last peer's first hello → full mesh").p2pchat, 40); // 20, 40 and the one that never formed
    assert.equal(find("mesh of 20: last peer's first hello → full mesh").refpeer, 30);
    assert.equal(find("RSS per peer, mesh of 20 (median)").p2pchat, 61);
    assert.equal(goalChecks(run).find((c) => c.target.startsWith("mesh of 5, 10, 20, 40"))!.met, false); // 40 against 30
    const text = renderReport(run, "");
    assert.match(text, /\| 20 \| p2pchat \| 340 ms \| 40 ms \| 40, —, 20 \|/);
    const twoFailed = results({ mesh: [round("p2pchat", undefined, 60, 1), round("p2pchat", undefined, 60, 2), round("p2pchat", 20, 60, 3)] });
    assert.equal(comparisons(twoFailed).find((r) => r.figure.startsWith("mesh of 20: last"))?.p2pchat, undefined, "most rounds never formed: no figure");
  });

  it("judges delivery on the medians of its rounds, and shows each round", () => {
    const round = (impl: Impl, p50: number, p99: number, cpu: number, k: number) => ({
      impl, n: 20, round: k, messages: 250, rate: 50, toAll: summary(p50, p99), toEach: summary(3, 20), http: summary(2, 5),
      split: { toWire: summary(1, 2), wireToAck: summary(p50 / 2, p99 / 2) }, cpuPerMessageMs: cpu, undelivered: k === 2 ? 1 : 0,
      failedSends: 0, rssAfterMb: 60, warmUp: summary(8, 60), series: [], capture: { gaps: 0, kernelDrops: 0 },
    });
    // Round by round, in turn; p2pchat's worst round (the second) alone would miss the goal.
    const run = results({ delivery: [
      round("p2pchat", 2, 5, 4, 1), round("refpeer", 2.5, 6, 4.5, 1),
      round("p2pchat", 4, 12, 6, 2), round("refpeer", 2.4, 6.2, 4.4, 2),
      round("p2pchat", 2.2, 5.5, 4.2, 3), round("refpeer", 2.6, 5.8, 4.6, 3),
    ] });
    const find = (figure: string) => comparisons(run).find((r) => r.figure === figure)!;
    assert.equal(find("delivery to all 19 others, p50").p2pchat, 2.2); // the middle of 2, 4 and 2.2
    assert.equal(find("delivery to all 19 others, p99").refpeer, 6); // of 6, 6.2 and 5.8
    assert.equal(goalChecks(run).find((c) => c.target.startsWith("delivery to all"))!.met, true);
    const text = renderReport(run, "");
    assert.match(text, /ran 3 times, in turn round by round/);
    assert.match(text, /\| 20 \| p2pchat \| 2\.2 ms \| [^|]+ \| 5\.5 ms \| [^|]+ \| 2 \/ 5, 4 \/ 12, 2\.2 \/ 5\.5 \|/);
    assert.match(text, /\| 20 \| p2pchat \| [^|]+ \| [^|]+ \| 4\.2 ms \| 4, 6, 4\.2 \|/); // CPU per message and its rounds
    assert.match(text, /\| 20 \| p2pchat \|(?: [^|]+ \|){7} 1 \|/, "the message one round lost is counted");
    assert.doesNotMatch(renderReport(results(), ""), /rounds: p50/, "a single round has no rounds column");
  });

  it("says at what rate the delivery scenario warmed up", () => {
    assert.match(renderReport(results(), ""), /after 50 warm-up messages at the same rate/);
    const warmedLonger = results({ plan: { ...QUICK, delivery: { ...QUICK.delivery, warmupMessages: 2000, warmupRate: 200 } } });
    assert.match(renderReport(warmedLonger, ""), /after 2000 warm-up messages at 200 messages\/s/);
  });

  it("takes idle CPU from the rounds that measured it, and none from a run whose rounds did not", () => {
    const idle = (medianPercent: number) => ({ seconds: 30, medianPercent, maxPercent: medianPercent * 2, totalPercent: 1, wakeUpsPerSecond: 8, usPerWakeUp: 100 });
    const rounds: MeshResult[] = [
      { ...mesh("p2pchat", 40, 60, 50), round: 1, idleCpu: idle(0.1) },
      { ...mesh("p2pchat", 40, 80, 50), round: 2, idleCpu: idle(0.3) },
      { ...mesh("p2pchat", 40, 70, 50), round: 3, idleCpu: idle(0.2) },
      { ...mesh("p2pchat", 40, 50, 50), round: 4 },
      { ...mesh("p2pchat", 40, 90, 50), round: 5 },
    ];
    const [row] = meshMedians(results({ mesh: rounds }));
    assert.equal(row!.fromLastStartMs, 70, "the formation: the median of all five rounds");
    assert.equal(row!.idleCpu?.medianPercent, 0.2, "idle CPU: the median of the three that measured it");
    assert.equal(row!.idleCpu?.maxPercent, 0.4);
    const [none] = meshMedians(results({ mesh: rounds.map(({ idleCpu: _idle, ...round }) => round) }));
    assert.equal(none!.idleCpu, undefined);
  });
});
