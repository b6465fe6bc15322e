// What the benchmark ran on: recorded with every run, since every figure depends on it.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { repoRoot } from "../test/lan/netns.js";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  python: string;
  tcpdump: string;
  /** Load average (1, 5, 15 min) when the run started: other work on the machine skews figures. */
  loadAverage: number[];
  /** How long the machine had been up when the run started: one just booted is still settling
   *  (a run begun three minutes after a boot put p2pchat's start 45 ms over the floor, one 45
   *  minutes later 16 ms: bench/analysis.md, "The run of 22:09"). Absent in older results. */
  uptimeSeconds?: number;
  commit: string;
  /** Uncommitted changes in the work tree when the run started. */
  dirty: boolean;
}

function run(command: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return stderr && /version/i.test(stderr) ? stderr.split("\n")[0]! : "unknown";
  }
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(execFileSync("cat", ["/etc/os-release"], { encoding: "utf8" }))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/** This machine, now; its uptime always known (only older results lack it). */
export function describeMachine(): Machine & { uptimeSeconds: number } {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: osName(),
    node: process.version,
    python: run("python3", ["--version"]),
    // tcpdump --version prints to stdout on new versions and stderr on old ones.
    tcpdump: run("tcpdump", ["--version"]).split("\n")[0] ?? "unknown",
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    uptimeSeconds: Math.round(os.uptime()),
    commit: run("git", ["rev-parse", "--short", "HEAD"], repoRoot),
    dirty: run("git", ["status", "--porcelain", "--untracked-files=no"], repoRoot) !== "",
  };
}
