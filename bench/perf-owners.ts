#!/usr/bin/env node
// Whose code a process's CPU went to, from a `perf record -g` of it: p2pchat's own JavaScript
// (and the V8 builtins it calls), writing a frame (Node's stream code, libuv, the kernel's
// write), Node's read path around p2pchat's code, its tick and microtask queues, the event loop,
// and the process's other threads. The split tells the runtime's share of a cost (what the bare
// Node.js peer pays too) from p2pchat's. Then p2pchat's own samples by the function they were
// in (the deepest of its frames: what it ran, builtins included). Usage:
//   perf record -F 4999 -g -p PID -o perf.data -- sleep 6     (node run with --perf-basic-prof)
//   perf script -i perf.data -F tid,ip,sym | node dist/bench/perf-owners.js [--ours TEXT] [--top N]
// --ours: what p2pchat's frames contain (default "chunks/daemon.cjs", the daemon's bundle). The
// main thread is the one with the most samples. Functions are named by the source map beside the
// bundle as it is now: read a profile before rebuilding, or its source lines are another build's.
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { parseArgs } from "node:util";

/** One sample: its thread and its frames' symbols, innermost first (as `perf script` prints them). */
export interface PerfSample {
  tid: number;
  frames: string[];
}

export type Owner =
  | "p2pchat's code"
  | "writing a frame: Node's stream code and libuv"
  | "writing a frame: the kernel"
  | "Node's read path around it"
  | "Node's tick and microtask queues"
  | "the event loop"
  | "other threads (GC, compiler, libuv's pool)"
  | "other native code";

/** Parses `perf script -F tid,ip,sym`: a line with the thread id, then one indented line a frame. */
export function parsePerfScript(text: string): PerfSample[] {
  const samples: PerfSample[] = [];
  let current: PerfSample | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      current = undefined;
      continue;
    }
    // The thread's line is not indented with a tab; the frames' lines are.
    if (!line.startsWith("\t")) {
      current = { tid: Number(line.trim().split(/\s+/)[0]), frames: [] };
      samples.push(current);
      continue;
    }
    // "\t    7ffb9a7e601a JS:^send /path:3729:7": the address, then the symbol.
    const symbol = line.trim().replace(/^[0-9a-f]+\s+/, "");
    current?.frames.push(symbol);
  }
  return samples;
}

// Node's write path, by the frames of it that stay visible: optimised code inlines some of them
// (the bare server's `*writeOrBuffer` holds `Writable.write` and `Socket._write`), so the native
// frames under them count too.
const WRITE_FRAMES = ["Writable.write ", "Socket._write ", "writeOrBuffer ", "writeGeneric ", "writevGeneric ", "handleWriteReq ", "StreamBase::Write"];
/** The kernel's side of a write: the system calls a socket write makes. */
const KERNEL_WRITE = ["ksys_write", "do_writev", "__x64_sys_write", "__x64_sys_writev"];
const has = (frames: readonly string[], needles: readonly string[]) => frames.some((f) => needles.some((n) => f.includes(n)));

/** Whose code one sample of the main thread was in; `ours` is what p2pchat's frames contain. */
export function ownerOf(frames: readonly string[], ours: string): Owner {
  // Innermost first: the outermost frame of ours is the last one that matches.
  let outermost = -1;
  for (let i = 0; i < frames.length; i++) if (frames[i]!.includes(ours)) outermost = i;
  if (outermost >= 0) {
    const below = frames.slice(0, outermost);
    if (has(below, KERNEL_WRITE)) return "writing a frame: the kernel";
    if (has(below, WRITE_FRAMES)) return "writing a frame: Node's stream code and libuv";
    return "p2pchat's code";
  }
  // The queues run when a callback (a read's, too) returns: asked first, they are told apart.
  if (has(frames, ["processTicksAndRejections", "InternalCallbackScope::Close", "RunMicrotasks"])) return "Node's tick and microtask queues";
  if (has(frames, ["onStreamRead", "OnUvRead", "uv__read"])) return "Node's read path around it";
  if (has(frames, ["uv__io_poll", "epoll_pwait", "uv_run"])) return "the event loop";
  return "other native code";
}

/** Where a line of a bundle came from, by its source map beside it (FILE.map), if there is one. */
type SourceOf = (file: string, line: number, column: number) => string | undefined;

const sourceMaps = new Map<string, SourceMap | undefined>();
const fromSourceMap: SourceOf = (file, line, column) => {
  if (!sourceMaps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")) as SourceMapPayload);
    } catch {
      map = undefined;
    }
    sourceMaps.set(file, map);
  }
  const entry = sourceMaps.get(file)?.findEntry(line - 1, column - 1);
  if (!entry || !("originalSource" in entry)) return undefined;
  return `${entry.originalSource.split("/").slice(-2).join("/")}:${entry.originalLine + 1}`;
};

/** The function of ours a sample ran in: its deepest frame of ours, as "name source:line". */
function ourFunction(frames: readonly string[], ours: string, sourceOf: SourceOf): string | undefined {
  const frame = frames.find((f) => f.includes(ours));
  if (frame === undefined) return undefined;
  const match = /^JS:[~^*+]?(\S*) (\S*?):(\d+):(\d+)$/.exec(frame);
  if (!match) return frame;
  const [, name, file, line, column] = match;
  return `${name || "(anonymous)"} ${sourceOf(file!, Number(line), Number(column)) ?? `${file!.split("/").pop()}:${line}`}`;
}

export interface OwnerReport {
  samples: number;
  mainThread: number;
  owners: Array<[Owner, number]>;
  /** p2pchat's own samples by function, most first. */
  functions: Array<[string, number]>;
}

export function perfOwners(samples: readonly PerfSample[], ours = "chunks/daemon.cjs", sourceOf: SourceOf = fromSourceMap): OwnerReport {
  const perThread = new Map<number, number>();
  for (const s of samples) perThread.set(s.tid, (perThread.get(s.tid) ?? 0) + 1);
  const mainThread = [...perThread].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const owners = new Map<Owner, number>();
  const functions = new Map<string, number>();
  for (const { tid, frames } of samples) {
    const owner: Owner = tid === mainThread ? ownerOf(frames, ours) : "other threads (GC, compiler, libuv's pool)";
    owners.set(owner, (owners.get(owner) ?? 0) + 1);
    if (owner === "p2pchat's code") {
      const name = ourFunction(frames, ours, sourceOf)!;
      functions.set(name, (functions.get(name) ?? 0) + 1);
    }
  }
  const sorted = <K>(m: Map<K, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { samples: samples.length, mainThread, owners: sorted(owners), functions: sorted(functions) };
}

export function renderOwners(report: OwnerReport, top = 25): string {
  const share = (n: number) => `${((100 * n) / report.samples).toFixed(1).padStart(5)} %`;
  return `${report.samples} samples, main thread ${report.mainThread}\n\n` +
    report.owners.map(([owner, n]) => `${share(n)}  ${owner}`).join("\n") +
    `\n\np2pchat's code by function (its deepest frame; shares of all samples):\n` +
    report.functions.slice(0, top).map(([name, n]) => `${share(n)}  ${name}`).join("\n") + "\n";
}

if (process.argv[1]?.endsWith("perf-owners.js")) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { ours: { type: "string", default: "chunks/daemon.cjs" }, top: { type: "string", default: "25" } } });
  const text = readFileSync(positionals[0] ?? 0, "utf8");
  process.stdout.write(renderOwners(perfOwners(parsePerfScript(text), values.ours), Number(values.top)));
}
