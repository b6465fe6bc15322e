// Start-up against the floor: a bare Node.js script that opens the protocol's three sockets
// (bench/floor-peer.mjs), p2pchat's daemon and the reference peer, each started alone in an idle
// namespace, in turn (floor, p2pchat, reference peer, floor, ...), so that the three see the same
// machine. For each: the time from spawning the process to its TCP port accepting a connection,
// its CPU one second after that (every thread's time on a CPU, to the nanosecond, from
// schedstat: utime and stime count 10 ms ticks, and a median of ticks moved the goal by a whole
// tick), and its RSS once settled. The floor is what any
// Node.js peer pays; what p2pchat spends beyond it is its own. Also the wall time of
// `p2pchat --version` and `--help` against `node -e 0`, and `npm start` on an unchanged tree to
// its HTTP API answering.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { HTTP_PORT, PEER_PORT, repoRoot, withLan, type Lan, type LanHost, type LanProcess } from "../../test/lan/netns.js";
import { nowMs, sleep } from "../clock.js";
import { P2PCHAT_MAIN, startPeer } from "../impl.js";
import { descendantsOf, minorFaults, rssMb, threadsCpuNs } from "../proc.js";
import { median, round } from "../stats.js";

export type StartupSubject = "floor" | "p2pchat" | "refpeer";
export const STARTUP_SUBJECTS: readonly StartupSubject[] = ["floor", "p2pchat", "refpeer"];

export const FLOOR_PEER = path.join(repoRoot, "bench", "floor-peer.mjs");

export interface StartupResult {
  subject: StartupSubject;
  /** Medians over the runs. */
  acceptMs: number;
  cpuMs: number;
  rssMb: number;
  /** Every run, in order. */
  runs: { acceptMs: number; cpuMs: number; rssMb: number }[];
}

export interface CliTiming {
  /** What was run: "node -e 0", "p2pchat --version" or "p2pchat --help". */
  command: string;
  /** Median wall time from spawn to exit (ms), and every run. */
  wallMs: number;
  runs: number[];
}

export interface NpmStartTiming {
  /** Median and slowest time from spawning `npm start` to the first answer of its HTTP API (ms), and every run. */
  httpMs: number;
  maxMs: number;
  runs: number[];
}

export interface StartupOptions {
  runs: number;
  /** CPU is read this long after the port accepts (ms). */
  cpuAfterMs: number;
  /** RSS is read this long after the port accepts (ms). */
  rssAfterMs: number;
  cliRuns: number;
  log: (line: string) => void;
}

/** Resolves with the moment `attempt` first succeeds (it resolves with when), trying every
 *  `intervalMs`; fails if `child` exits first or `timeoutMs` passes. */
async function firstSuccess(child: LanProcess, what: string, timeoutMs: number, intervalMs: number,
  attempt: () => Promise<number | undefined>): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  let exited = false;
  void child.exited.then(() => { exited = true; });
  for (;;) {
    const at = await attempt();
    if (at !== undefined) return at;
    if (exited) throw new Error(`${child.name} exited before ${what}; its output:\n${child.output().slice(-800)}`);
    if (nowMs() > deadline) throw new Error(`${child.name}: not ${what} within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Resolves with the moment (nowMs) a TCP connection to address:port succeeds, polling every
 *  millisecond or two: a refused connect costs the host almost nothing and answers at once. */
function acceptedAt(address: string, port: number, child: LanProcess, timeoutMs: number): Promise<number> {
  return firstSuccess(child, `accepting TCP on ${port}`, timeoutMs, 1, () => new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.once("connect", () => {
      const t = nowMs();
      socket.destroy();
      resolve(t);
    });
    socket.once("error", () => resolve(undefined));
  }));
}

/** One start of `subject`, alone; `main`: another build's dist/src/cli/main.js for p2pchat. */
export function startSubject(lan: Lan, host: LanHost, subject: StartupSubject, run: number, main?: string): LanProcess {
  if (subject === "floor") return lan.spawn(host, process.execPath, [FLOOR_PEER, host.address], { name: `floor-${run}` });
  return startPeer(lan, host, subject, `${subject}-start-${run}`, [], main);
}

/** What one start cost, unrounded: spawn to TCP accepting (ms); every thread's CPU (ms) and the
 *  minor page faults `cpuAfterMs` after it; RSS (MB) `rssAfterMs` after it. */
export interface StartCost {
  acceptMs: number;
  cpuMs: number;
  faults: number;
  rssMb: number;
}

/** Starts a process with `spawn` and reads what its start cost; it is killed after. */
export async function measureStart(host: LanHost, spawn: () => LanProcess,
  after: Pick<StartupOptions, "cpuAfterMs" | "rssAfterMs">): Promise<StartCost> {
  const spawnedAt = nowMs();
  const child = spawn();
  try {
    const accepted = await acceptedAt(host.address, PEER_PORT, child, 20_000);
    await sleep(Math.max(0, accepted + after.cpuAfterMs - nowMs()));
    let cpu = NaN;
    try {
      cpu = threadsCpuNs(child.pid) / 1e6;
    } catch {
      // it exited: said below with its output
    }
    const faults = minorFaults(child.pid);
    await sleep(Math.max(0, accepted + after.rssAfterMs - nowMs()));
    const rss = rssMb(child.pid);
    if (![cpu, faults, rss].every(Number.isFinite)) throw new Error(`${child.name} exited while being measured; its output:\n${child.output().slice(-800)}`);
    return { acceptMs: accepted - spawnedAt, cpuMs: cpu, faults, rssMb: rss };
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

async function measureOnce(lan: Lan, host: LanHost, subject: StartupSubject, run: number, options: StartupOptions): Promise<StartupResult["runs"][number]> {
  const cost = await measureStart(host, () => startSubject(lan, host, subject, run), options);
  return { acceptMs: round(cost.acceptMs), cpuMs: round(cost.cpuMs), rssMb: round(cost.rssMb) };
}

/** Each subject started `runs` times, alone, in turn; medians per subject. */
export async function runStartup(options: StartupOptions): Promise<StartupResult[]> {
  return withLan({ hosts: 1 }, async (lan) => {
    const host = lan.hosts[0]!;
    const runs = new Map<StartupSubject, StartupResult["runs"]>(STARTUP_SUBJECTS.map((s) => [s, []]));
    for (let run = 0; run < options.runs; run++) {
      for (const subject of STARTUP_SUBJECTS) {
        const r = await measureOnce(lan, host, subject, run, options);
        runs.get(subject)!.push(r);
        options.log(`  start-up ${subject} #${run + 1}: TCP accepting after ${r.acceptMs} ms, CPU ${r.cpuMs} ms, RSS ${r.rssMb} MB`);
        await sleep(200); // the namespace idle again before the next start
      }
    }
    return STARTUP_SUBJECTS.map((subject) => {
      const all = runs.get(subject)!;
      return {
        subject,
        acceptMs: round(median(all.map((r) => r.acceptMs))),
        cpuMs: round(median(all.map((r) => r.cpuMs))),
        rssMb: round(median(all.map((r) => r.rssMb))),
        runs: all,
      };
    });
  });
}

function wallMs(args: string[]): number {
  const t = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - t;
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${String(result.stderr).slice(0, 400)}`);
  return ms;
}

/** `node -e 0`, `p2pchat --version` and `p2pchat --help`, in turn, `runs` times each (after one
 *  warm-up of each, which fills the page cache), wall time from spawn to exit. */
export function runCliTimings(options: Pick<StartupOptions, "cliRuns">): CliTiming[] {
  const commands: [string, string[]][] = [
    ["node -e 0", ["-e", "0"]],
    ["p2pchat --version", [P2PCHAT_MAIN, "--version"]],
    ["p2pchat --help", [P2PCHAT_MAIN, "--help"]],
  ];
  for (const [, args] of commands) wallMs(args);
  const runs = commands.map((): number[] => []);
  for (let i = 0; i < options.cliRuns; i++) commands.forEach(([, args], c) => runs[c]!.push(round(wallMs(args))));
  return commands.map(([command], c) => ({ command, wallMs: round(median(runs[c]!)), runs: runs[c]! }));
}

/** Resolves with the moment (nowMs) `GET /health` at address:port first answers 200, polling every
 *  few milliseconds (a refused connect answers at once). */
function answeredAt(address: string, port: number, child: LanProcess, timeoutMs: number): Promise<number> {
  return firstSuccess(child, `answering HTTP on ${port}`, timeoutMs, 2, () => new Promise((resolve) => {
    const request = http.get({ host: address, port, path: "/health", agent: false }, (response) => {
      const t = nowMs();
      response.resume();
      resolve(response.statusCode === 200 ? t : undefined);
    });
    request.once("error", () => resolve(undefined));
  }));
}

/**
 * `npm start` as a user runs it, in this checkout (which `npm run bench` has just built, so the tree
 * is unchanged and nothing is rebuilt: a run that rebuilt would fail here), alone in an idle
 * namespace, `runs` times: from spawning npm to the HTTP API's first answer. Each run ends as a
 * user ends it, SIGTERM to npm, which passes it on to the daemon.
 */
export async function runNpmStart(options: { runs: number; log: (line: string) => void }): Promise<NpmStartTiming> {
  return withLan({ hosts: 1 }, async (lan) => {
    const host = lan.hosts[0]!;
    fs.mkdirSync(lan.artifactsDir, { recursive: true });
    const config = `${lan.artifactsDir}/npm-start.ini`;
    fs.writeFileSync(config, ""); // not a developer's config/config.ini: defaults
    const runs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const spawnedAt = nowMs();
      const npm = lan.spawn(host, "npm", ["start", "--", "--config", config, "--peer-id", `npm-start-${run}`,
        "--broadcast", lan.broadcast, "--http-bind", host.address], { name: `npm-start-${run}`, cwd: repoRoot });
      try {
        const answered = await answeredAt(host.address, HTTP_PORT, npm, 20_000);
        if (/building first/.test(npm.output())) throw new Error(`npm start rebuilt: the tree changed since \`npm run build\``);
        runs.push(round(answered - spawnedAt));
        options.log(`  npm start #${run + 1}: HTTP answered after ${runs.at(-1)} ms`);
      } finally {
        const left = descendantsOf(npm.pid);
        npm.kill("SIGTERM");
        const stopped = await Promise.race([npm.exited.then(() => true), sleep(8_000, false, { ref: false })]);
        // A daemon that outlived npm would keep the namespace's ports: none may be left.
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // ended with npm, as it should
          }
        }
        if (!stopped) npm.kill("SIGKILL");
        await npm.exited;
      }
      await sleep(200);
    }
    return { httpMs: round(median(runs)), maxMs: Math.max(...runs), runs };
  });
}
