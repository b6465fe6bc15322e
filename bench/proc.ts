// Memory and CPU of a process, read from /proc (proc(5)): what `ps` shows, without forking it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

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

/**
 * The fields of a `/proc/<pid>/stat` line (proc(5)) after the command name, which is in
 * parentheses and may hold spaces and parentheses itself: [0] is field 3 (the state), [1] the
 * ppid, [11] and [12] utime and stime, [16] the nice value.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Every descendant of `pid` (children, their children...), read from /proc: `npm start`'s shell
 *  and node, say, which a signal to npm alone does not name. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(readFileSync(`/proc/${entry}/stat`, "utf8"))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** The process's own `/proc/<pid>/stat` fields (statFields), or undefined if it is gone. */
function processStat(pid: number): string[] | undefined {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/** CPU time used so far, user and system apart, in ms (all threads, ended ones included); NaN if the process is gone. */
export function cpuTimesMs(pid: number): { user: number; system: number } {
  const fields = processStat(pid);
  if (!fields) return { user: NaN, system: NaN };
  return { user: (Number(fields[11]) * 1000) / clockTicks(), system: (Number(fields[12]) * 1000) / clockTicks() };
}

/** Minor page faults so far (proc(5) field 10, `minflt`: a page the process touched for the
 *  first time, or got back); NaN if the process is gone. */
export function minorFaults(pid: number): number {
  return Number(processStat(pid)?.[7] ?? NaN);
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

/** One thread's CPU (ms) and how often it went to sleep and was woken (voluntary context
 *  switches: each is a wait in epoll, a futex or a read that blocked) or was preempted. */
export interface ThreadTimes {
  name: string;
  cpuMs: number;
  wakeUps: number;
  preempted: number;
}

/** CPU time of every live thread of `pid` so far, in ns (sched(7)'s schedstat): one read per
 *  thread, for a reading taken often (per message, per join). A thread that ends between the
 *  listing and its read counts as none. */
export function threadsCpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

/** Every live thread of the process by thread id, from /proc/<pid>/task (threads that have
 *  ended are missing: use cpuTimesMs for the process's total). */
export function threadTimes(pid: number): Map<number, ThreadTimes> {
  const result = new Map<number, ThreadTimes>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // Time on a CPU in ns (sched(7)'s schedstat), where stat's utime and stime count 10 ms ticks.
      const onCpuNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
      result.set(Number(tid), {
        name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
        cpuMs: onCpuNs / 1e6,
        wakeUps: field("voluntary_ctxt_switches"),
        preempted: field("nonvoluntary_ctxt_switches"),
      });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return result;
}

/** Per thread, what happened between two readings of threadTimes (threads started in between
 *  count from zero), busiest first. */
export function threadDelta(before: Map<number, ThreadTimes>, after: Map<number, ThreadTimes>): ThreadTimes[] {
  return [...after].map(([tid, now]) => {
    const then = before.get(tid);
    return {
      name: `${now.name}/${tid}`,
      cpuMs: now.cpuMs - (then?.cpuMs ?? 0),
      wakeUps: now.wakeUps - (then?.wakeUps ?? 0),
      preempted: now.preempted - (then?.preempted ?? 0),
    };
  }).sort((a, b) => b.cpuMs - a.cpuMs || b.wakeUps - a.wakeUps);
}

/** One process's idle window: CPU in % of one core, and how often its threads were woken. */
export interface IdleReading {
  percent: number;
  wakeUpsPerSecond: number;
}

/**
 * Samples the CPU of several processes to the nanosecond (each live thread's schedstat), where
 * cpuMeter counts 10 ms ticks: at idle a peer uses a few ms a second, and ticks made its figure
 * a whole number of them. Call the result to get each process's reading since then. A process
 * whose threads changed meanwhile (one ended, taking its time with it) falls back to the ticks.
 */
export function idleMeter(pids: readonly number[]): () => { readings: IdleReading[]; seconds: number } {
  const start = performance.now();
  const threadsBefore = pids.map(threadTimes);
  const ticksBefore = pids.map(cpuMs);
  return () => {
    const seconds = (performance.now() - start) / 1000;
    const readings = pids.map((pid, i) => {
      const before = threadsBefore[i]!;
      const after = threadTimes(pid);
      const delta = threadDelta(before, after);
      const sameThreads = [...before.keys()].every((tid) => after.has(tid));
      const ms = sameThreads ? delta.reduce((sum, t) => sum + t.cpuMs, 0) : cpuMs(pid) - ticksBefore[i]!;
      return { percent: ms / 10 / seconds, wakeUpsPerSecond: delta.reduce((sum, t) => sum + t.wakeUps, 0) / seconds };
    });
    return { readings, seconds };
  };
}
