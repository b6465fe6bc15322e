#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --only mesh,ingest] [-- --out DIR] [-- --profile DIR]`
//
// Builds LANs of network namespaces (test/lan/netns.ts), runs every scenario for p2pchat and then
// for the reference peer under the same workload, and writes RESULTS.md, results.json and the
// charts. Needs root (namespaces), iproute2, python3 and tcpdump; tcpdump is installed from
// Debian's packages if it is missing.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { lanAvailable, refpeerPath, repoRoot } from "../test/lan/netns.js";
import { clockSkewMs } from "./clock.js";
import { IMPLS, profileInto, WITH_FLOOR, type Impl } from "./impl.js";
import { describeMachine } from "./machine.js";
import { machineMeter } from "./proc.js";
import { setTimeout as sleep } from "node:timers/promises";
import { deliveryOptions, FULL, parseWarmup, QUICK, SCENARIOS, type Scenario } from "./plan.js";
import { renderCharts, renderReport, upFor } from "./report.js";
import type { Results } from "./results.js";
import { runBridge } from "./scenarios/bridge.js";
import { runDelivery } from "./scenarios/delivery.js";
import { runFanout } from "./scenarios/fanout.js";
import { runFloor } from "./scenarios/floor.js";
import { runIngest } from "./scenarios/ingest.js";
import { runMany } from "./scenarios/many.js";
import { runMesh } from "./scenarios/mesh.js";
import { runNewcomer } from "./scenarios/newcomer.js";
import { runCliTimings, runNpmStart, runStartup } from "./scenarios/startup.js";
import { round as roundFigure } from "./stats.js";
import { raiseNeighbourLimits } from "./sysctl.js";

const USAGE = `Usage: npm run bench [-- options]

Runs the benchmarks of bench/ (p2pchat beside the reference peer) and writes RESULTS.md,
results.json and the charts.

  --quick          a reduced set, under 3 minutes (written to test-artifacts/bench-quick/)
  --only LIST      only these scenarios, comma-separated: ${SCENARIOS.join(", ")}
  --out DIR        where to write (default bench/, or test-artifacts/bench-quick/ with --quick)
  --profile DIR    every p2pchat started writes a V8 CPU profile (.cpuprofile) into DIR
  --fanout-n N     the fan-out scenario's mesh size (default ${FULL.fanout.n})
  --delivery-warmup N[@RATE]
                   the delivery scenario's warm-up: N messages (default ${FULL.delivery.warmupMessages}), at RATE
                   messages/s (default: the measured rate, ${FULL.delivery.rate}/s)
  --help`;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

function fail(line: string): never {
  process.stderr.write(`bench: ${line}\n`);
  process.exit(1);
}

/** tcpdump comes from Debian's packages, like iproute2 for the tests (.ci/run). */
function ensureTcpdump(): void {
  try {
    execFileSync("tcpdump", ["--version"], { stdio: "ignore" });
    return;
  } catch {
    // not installed
  }
  log("installing tcpdump (apt-get install tcpdump)");
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "tcpdump"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    fail(`tcpdump is needed to observe delivery on the wire and could not be installed: ${(error as Error).message}`);
  }
}

/** Notes written by hand about a run (bench/analysis.md), appended to its report if present. */
function readAnalysis(dir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, "analysis.md"), "utf8");
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "fanout-n": { type: "string" },
      "delivery-warmup": { type: "string" },
      out: { type: "string" },
      profile: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  const plan = structuredClone(values.quick ? QUICK : FULL);
  if (values["fanout-n"] !== undefined) {
    const n = Number(values["fanout-n"]);
    if (!Number.isInteger(n) || n < 2 || n > 200) fail(`--fanout-n: expected an integer from 2 to 200, got ${values["fanout-n"]}`);
    plan.fanout.n = n;
  }
  if (values["delivery-warmup"] !== undefined) {
    const warmup = parseWarmup(values["delivery-warmup"]);
    if (typeof warmup === "string") fail(`--delivery-warmup: ${warmup}`);
    plan.delivery.warmupMessages = warmup.messages;
    if (warmup.rate !== undefined) plan.delivery.warmupRate = warmup.rate;
  }
  const only = values.only ? values.only.split(",").map((s) => s.trim()) : [...SCENARIOS];
  const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) fail(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.join(", ")}`);
  const outDir = path.resolve(values.out ?? (values.quick ? path.join(repoRoot, "test-artifacts", "bench-quick") : path.join(repoRoot, "bench")));

  const lan = lanAvailable();
  if (!lan.ok) fail(`the benchmark builds network namespaces: ${lan.why}`);
  if (!fs.existsSync(refpeerPath())) fail(`the reference peer is not at ${refpeerPath()} (shared/ beside the repository)`);
  ensureTcpdump();
  if (values.profile) {
    fs.mkdirSync(path.resolve(values.profile), { recursive: true });
    profileInto(path.resolve(values.profile));
  }

  // Interrupted: exit through 'exit', whose handlers remove the LANs (test/lan/netns.ts), stop
  // tcpdump and the floor's servers, and put the kernel limits back.
  const signals = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
  for (const [signal, number] of Object.entries(signals)) {
    process.on(signal, () => {
      log(`${signal}: stopping and cleaning up`);
      process.exit(128 + number);
    });
  }
  const limits = raiseNeighbourLimits();
  for (const change of limits.changes) log(`raised for this run (restored at the end): ${change}`);
  const started = new Date();
  const machine = describeMachine();
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  // The load average trails the last minutes; what counts is whether others use the cores now.
  const idleCheck = machineMeter();
  await sleep(2_000);
  const busyBefore = Math.round(idleCheck().machinePercent * 10) / 10;
  log(`${command}: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}, load average ${machine.loadAverage.join(" ")}, ${busyBefore} % busy just before the run, up ${upFor(machine.uptimeSeconds)}`);
  if (busyBefore > 10) log(`note: other work keeps the machine ${busyBefore} % busy; figures will be slower than on an idle machine`);

  const results: Results = {
    format: 1,
    command,
    plan,
    startedAt: started.toISOString(),
    finishedAt: "",
    seconds: 0,
    machine,
    busyBeforePercent: busyBefore,
    loadAverageAfter: [],
    clockSkewMs: 0,
    kernelLimitsRaised: limits.changes,
    floor: [],
    startup: [],
    cli: [],
    mesh: [],
    newcomer: [],
    delivery: [],
    ingest: [],
    ingestCeiling: [],
    fanout: [],
    many: [],
    bridge: [],
    errors: [],
  };
  const attempt = async <T>(scenario: Scenario, impl: Impl | "node" | "python" | "all", size: number | undefined, run: () => Promise<T>, into: T[]) => {
    try {
      into.push(await run());
    } catch (error) {
      const message = (error as Error).message;
      log(`${scenario} ${impl}${size === undefined ? "" : ` ${size}`} failed: ${message}`);
      results.errors.push({ scenario, impl, ...(size === undefined ? {} : { size }), message: message.slice(0, 2000) });
    }
  };

  /** Every size and implementation of a scenario, `rounds` times: in turn, round by round, so that
   *  the machine's drift falls on every implementation alike. */
  const inRounds = async ({ rounds, sizes }: { rounds: number; sizes: number[] },
    run: (impl: Impl, n: number, round: number) => Promise<void>) => {
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) log(`round ${round} of ${rounds}`);
      for (const n of sizes) {
        for (const impl of WITH_FLOOR) await run(impl, n, round);
      }
    }
  };

  const want = (s: Scenario) => only.includes(s);
  if (want("floor")) {
    log("0. the runtimes' floor");
    for (const runtime of ["node", "python"] as const) {
      await attempt("floor", runtime, undefined, async () => {
        const floor = await runFloor(runtime, plan.floor);
        log(`bare ${runtime} TCP peer: ${floor.cpuPerMessageUs} µs of CPU per message at one per ${floor.gapMs} ms, RSS ${floor.rssMb} MB`);
        return floor;
      }, results.floor);
    }
  }
  if (want("startup")) {
    log("0b. start-up against the floor");
    await attempt("startup", "all", undefined, async () => {
      const startup = await runStartup({ ...plan.startup, log });
      for (const s of startup) log(`${s.subject}: TCP accepting after ${s.acceptMs} ms, CPU ${s.cpuMs} ms, RSS ${s.rssMb} MB (medians of ${s.runs.length})`);
      results.startup = startup;
      const cli = runCliTimings(plan.startup);
      for (const c of cli) log(`${c.command}: ${c.wallMs} ms (median of ${c.runs.length})`);
      results.cli = cli;
      const npmStart = await runNpmStart({ runs: plan.startup.npmStartRuns, log });
      log(`npm start: HTTP answered after ${npmStart.httpMs} ms (median of ${npmStart.runs.length}, slowest ${npmStart.maxMs} ms)`);
      results.npmStart = npmStart;
      return startup;
    }, [] as unknown[]);
  }
  if (want("mesh")) {
    log("1+5. mesh formation and footprint");
    await inRounds(plan.mesh, (impl, n, round) => attempt("mesh", impl, n, async () => ({
      ...await runMesh(impl, n, {
        timeoutMs: plan.mesh.timeoutMs,
        settleMs: plan.mesh.settleMs,
        ...(plan.mesh.idleCpuAt.includes(n) && round <= plan.mesh.idleCpuRounds ? { idleCpuSeconds: plan.mesh.idleCpuSeconds } : {}),
        log,
      }),
      round,
    }), results.mesh));
  }
  if (want("newcomer")) {
    log("1b. a newcomer to a settled room");
    const { n: size, rounds, settleSeconds } = plan.newcomer;
    await inRounds({ rounds, sizes: [size] }, (impl, n) => attempt("newcomer", impl, n, async () => {
      const intake = await runNewcomer(impl, { n, settleSeconds, meshTimeoutMs: plan.mesh.timeoutMs });
      log(`${impl}: a room of ${n - 1} takes in one more: hello → mesh ${roundFigure(intake.meshMs)} ms, CPU of the room ` +
        `${roundFigure(intake.roomCpuMs)} ms, of the newcomer ${roundFigure(intake.newcomerCpuMs)} ms from its start` +
        (intake.roomHellos > 0 ? ` (${intake.roomHellos} of the room's own hellos in the window)` : ""));
      return intake;
    }, results.newcomer!));
  }
  if (want("delivery")) {
    log("2. delivery latency");
    await inRounds(plan.delivery, (impl, n, round) => attempt("delivery", impl, n, async () => ({
      ...await runDelivery(impl, n, deliveryOptions(plan, log)),
      round,
    }), results.delivery));
  }
  if (want("ingest")) {
    log("3. ingest");
    for (let round = 0; round < plan.ingest.repeats; round++) {
      for (const impl of IMPLS) {
        await attempt("ingest", impl, undefined, () => runIngest(impl, { ...plan.ingest, log }), results.ingest);
      }
    }
    // The ceiling: the same load against a server that only acks.
    await attempt("ingest", "node", undefined, () => runIngest("bare-node", { ...plan.ingest, log }), results.ingestCeiling);
  }
  if (want("fanout")) {
    log("4. fan-out");
    for (const impl of WITH_FLOOR) {
      await attempt("fanout", impl, plan.fanout.n, () => runFanout(impl, { ...plan.fanout, meshTimeoutMs: plan.mesh.timeoutMs, log }), results.fanout);
    }
  }
  if (want("many")) {
    log("6. one node, many peers");
    for (const m of plan.many.sizes) {
      for (const impl of IMPLS) {
        await attempt("many", impl, m, () => runMany(impl, { m, messages: plan.many.messages, rate: plan.many.rate, connectTimeoutMs: plan.many.connectTimeoutMs, log }), results.many);
      }
    }
  }

  if (want("bridge")) {
    log("7. across the bridge");
    await attempt("bridge", "p2pchat", undefined, () => runBridge({ ...plan.bridge, log }), results.bridge!);
  }

  limits.restore();
  const finished = new Date();
  results.finishedAt = finished.toISOString();
  results.seconds = Math.round((finished.getTime() - started.getTime()) / 1000);
  results.loadAverageAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.clockSkewMs = Math.round(clockSkewMs() * 100) / 100;

  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
  for (const [name, svg] of Object.entries(renderCharts(results))) fs.writeFileSync(path.join(outDir, name), svg);
  fs.writeFileSync(path.join(outDir, "RESULTS.md"), renderReport(results, readAnalysis(outDir)));
  log(`done in ${results.seconds} s: ${path.relative(process.cwd(), path.join(outDir, "RESULTS.md"))}${results.errors.length ? ` (${results.errors.length} runs failed, see the report)` : ""}`);
  if (results.errors.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
