// Memory and CPU of a process, read from /proc (proc(5)): what `ps` shows, without forking it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the value on every Linux x86 and arm build
    }
  }
  return ticksPerSecond;
}

/** Resident set size in MB (VmRSS), or NaN if the process is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Proportional and unique memory in MB from /proc/<pid>/smaps_rollup: PSS splits pages shared
 *  with other processes (the runtime's code, mapped by every peer) among them; USS is what only
 *  this process holds (freed if it exits). RSS counts shared pages in full for every process. */
export function memoryMb(pid: number): { pss: number; uss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
    return { pss: kb("Pss") / 1024, uss: (kb("Private_Clean") + kb("Private_Dirty")) / 1024 };
  } catch {
    return { pss: NaN, uss: NaN };
  }
}

/** CPU time used so far, user and system apart, in ms (all threads, ended ones included); NaN if the process is gone. */
export function cpuTimesMs(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: (Number(fields[11]) * 1000) / clockTicks(), system: (Number(fields[12]) * 1000) / clockTicks() };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** CPU time used so far (user + system), in ms; NaN if the process is gone. */
export function cpuMs(pid: number): number {
  const { user, system } = cpuTimesMs(pid);
  return user + system;
}

/** Threads of the process (the reference peer runs one per socket). */
export function threads(pid: number): number {
  try {
    const match = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Samples CPU time of several processes: call the result to get % of one core each since then. */
export function cpuMeter(pids: readonly number[]): () => { percent: number[]; seconds: number } {
  const start = performance.now();
  const before = pids.map(cpuMs);
  return () => {
    const seconds = (performance.now() - start) / 1000;
    return { percent: pids.map((pid, i) => ((cpuMs(pid) - before[i]!) / 10) / seconds), seconds };
  };
}

/** All CPUs' busy time (everything but idle and iowait) from /proc/stat, in ms of CPU. */
function machineBusyMs(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: ((total - idle) * 1000) / clockTicks(), total: (total * 1000) / clockTicks() };
}

/** Call the result to get how busy the whole machine was since then: % of all its cores, and
 *  the harness's own CPU (% of one core). Shows when a figure is limited by the machine. */
export function machineMeter(): () => { machinePercent: number; harnessPercent: number } {
  const before = machineBusyMs();
  const harness = process.cpuUsage();
  const start = performance.now();
  return () => {
    const after = machineBusyMs();
    const used = process.cpuUsage(harness);
    const ms = performance.now() - start;
    return {
      machinePercent: ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100,
      harnessPercent: ((used.user + used.system) / 1000 / ms) * 100,
    };
  };
}
