// A room's CPU by the kind of code it ran, from a `perf record -p <every peer>` (bench/room-profile.ts
// records one over the delivery scenario's measured messages, bench/idle.ts --perf one over an idle
// mesh's window): main threads and the others apart, each split into V8's builtins, JavaScript
// compiled by V8, V8's optimising compiler, garbage collection, other native code, Python's
// interpreter (the reference peer), libraries and the kernel. Read from
// `perf report --stdio --no-children --sort pid,dso,sym -n -t '|'`, which needs no call stacks
// and no symbol map of the JavaScript: perf names a process's generated code "[JIT] tid N" either way.

export const CODE_KINDS = [
  "V8's builtins (inline caches, calls, the interpreter)",
  "JavaScript compiled by V8",
  "V8's optimising compiler",
  "garbage collection",
  "other native code (V8's runtime, Node, libuv)",
  "Python's interpreter",
  "libc and other libraries",
  "the kernel",
] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

export interface ReportRow {
  samples: number;
  tid: number;
  dso: string;
  symbol: string;
}

/** The rows of `perf report ... --sort pid,dso,sym -n -t '|'`: "  0.77%  | 84 |  31272:node |[kernel.kallsyms] |[k] finish_task_switch". */
export function parsePerfReport(text: string): ReportRow[] {
  const rows: ReportRow[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const fields = line.split("|").map((f) => f.trim());
    if (fields.length < 5) continue;
    const samples = Number(fields[1]);
    const tid = Number.parseInt(fields[2]!, 10);
    if (!Number.isInteger(samples) || !Number.isInteger(tid)) continue;
    rows.push({ samples, tid, dso: fields[3]!, symbol: fields.slice(4).join("|").replace(/^\[[a-zA-Z.]\]\s*/, "") });
  }
  return rows;
}

/** What kind of code a sample was in, by the file it was in and its symbol there. */
export function kindOf(dso: string, symbol: string): CodeKind {
  if (dso.startsWith("[kernel")) return "the kernel";
  if (dso.startsWith("[JIT]")) return "JavaScript compiled by V8";
  // The reference peer: CPython's interpreter loop and objects, in its binary or libpython.
  if (/^(lib)?python\d/.test(dso)) return "Python's interpreter";
  if (dso !== "node") return "libc and other libraries";
  if (symbol.startsWith("Builtins_")) return "V8's builtins (inline caches, calls, the interpreter)";
  if (/compiler::|maglev|turboshaft/i.test(symbol)) return "V8's optimising compiler";
  if (/Heap::|Heap_|Scaveng|MarkCompact|Sweep|Evacuat|Marking|MinorGC/.test(symbol)) return "garbage collection";
  return "other native code (V8's runtime, Node, libuv)";
}

export interface RoomProfile {
  /** Samples by kind of code, on the peers' main threads and on their other threads. */
  main: Record<CodeKind, number>;
  other: Record<CodeKind, number>;
  total: number;
}

const none = (): Record<CodeKind, number> => Object.fromEntries(CODE_KINDS.map((kind) => [kind, 0])) as Record<CodeKind, number>;

/** Sums the rows by thread (a main thread's id is its process's) and kind of code. */
export function roomProfile(rows: readonly ReportRow[], mainThreads: ReadonlySet<number>): RoomProfile {
  const profile: RoomProfile = { main: none(), other: none(), total: 0 };
  for (const row of rows) {
    const threads = mainThreads.has(row.tid) ? profile.main : profile.other;
    threads[kindOf(row.dso, row.symbol)] += row.samples;
    profile.total += row.samples;
  }
  return profile;
}

/** The TCP counters worth comparing per message (`nstat` names), summed over the peers' namespaces. */
export const TCP_COUNTERS = ["TcpOutSegs", "TcpExtTCPOrigDataSent", "TcpExtTCPPureAcks", "TcpExtTCPHPAcks", "TcpExtDelayedACKs", "TcpRetransSegs"] as const;

/** What `nstat -asz --json` printed: its counters, under "kernel". */
export function parseNstat(text: string): Record<string, number> {
  const parsed = JSON.parse(text) as { kernel?: Record<string, number> };
  return parsed.kernel ?? {};
}

/** Each of TCP_COUNTERS from `before` to `after`, summed over the namespaces (the arrays pair up). */
export function counterGrowth(before: ReadonlyArray<Record<string, number>>, after: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const growth: Record<string, number> = {};
  for (const counter of TCP_COUNTERS) {
    growth[counter] = after.reduce((sum, counters, i) => sum + (counters[counter] ?? 0) - (before[i]?.[counter] ?? 0), 0);
  }
  return growth;
}
