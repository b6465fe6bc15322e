// What a sending peer does, system call by system call, for each GET /send: read from the
// `perf script -F tid,time,event,trace` output of the tracepoints SEND_TRACEPOINTS on the peers
// (bench/sender-trace.ts records them). Per thread, each /send is the accept of its HTTP
// connection, the read of the request, the frames written to the other peers, and the writev of
// the answer on that connection.
import { quantile } from "./stats.js";

/** The tracepoints a /send is read from; sys_exit_write gives each write's own duration. */
export const SEND_TRACEPOINTS = [
  "syscalls:sys_enter_accept4", "syscalls:sys_exit_accept4", "syscalls:sys_enter_read",
  "syscalls:sys_enter_write", "syscalls:sys_exit_write", "syscalls:sys_enter_writev",
] as const;

export interface SendCalls {
  /** µs, on perf's clock: the accept's return, the request's read, each frame's write, the answer's writev. */
  accepted: number;
  requestRead: number;
  frames: number[];
  answered: number;
}

interface Call {
  time: number;
  event: string;
  fd: number | undefined;
}

const LINE = /^\s*(\d+)\s+([\d.]+):\s+syscalls:(\w+):\s*(.*)$/;

/** Each thread's calls in order: `perf script -F tid,time,event,trace` lines. */
function callsByThread(text: string): Map<number, Call[]> {
  const threads = new Map<number, Call[]>();
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, tid = "", time = "", event = "", rest = ""] = match;
    // An exit's argument is its return value: for accept4, the new connection's descriptor.
    const hex = event === "sys_exit_accept4" ? rest.trim() : /fd: 0x([0-9a-f]+)/.exec(rest)?.[1];
    // perf prints seconds to the microsecond: rounded, the µs are exact.
    const call = { time: Math.round(Number(time) * 1e6), event, fd: hex === undefined ? undefined : Number.parseInt(hex, 16) };
    let calls = threads.get(Number(tid));
    if (!calls) threads.set(Number(tid), (calls = []));
    calls.push(call);
  }
  return threads;
}

/**
 * Every /send of every thread that wrote at least `frames` frames before answering, in time order.
 * A connection accepted for anything else (a peer's TCP connection) reads no request and answers
 * nothing on it, and is left out.
 */
export function sendsFromPerfScript(text: string, frames: number): SendCalls[] {
  const sends: SendCalls[] = [];
  for (const calls of callsByThread(text).values()) {
    let current: SendCalls | undefined;
    let http: number | undefined;
    const finish = () => {
      if (current && current.frames.length >= frames && current.answered > 0) sends.push({ ...current, frames: current.frames.slice(0, frames) });
      current = undefined;
    };
    for (const call of calls) {
      if (call.event === "sys_exit_accept4") {
        finish();
        http = call.fd;
        current = { accepted: call.time, requestRead: 0, frames: [], answered: 0 };
      } else if (current === undefined || current.answered > 0) {
        continue;
      } else if (call.event === "sys_enter_read" && call.fd === http && current.requestRead === 0) {
        current.requestRead = call.time;
      } else if (call.event === "sys_enter_write" && call.fd !== http && current.requestRead > 0) {
        current.frames.push(call.time);
      } else if (call.event === "sys_enter_writev" && call.fd === http && current.requestRead > 0) {
        current.answered = call.time;
      }
    }
    finish();
  }
  return sends.sort((a, b) => a.accepted - b.accepted);
}

/** How long each write took, and the gaps between one write's end and the next write (µs), below `maxGapUs`. */
export function writeTimes(text: string, maxGapUs = 200): { durations: number[]; gaps: number[] } {
  const durations: number[] = [];
  const gaps: number[] = [];
  for (const calls of callsByThread(text).values()) {
    let entered: number | undefined;
    let lastExit: number | undefined;
    for (const call of calls) {
      if (call.event === "sys_enter_write") {
        entered = call.time;
        if (lastExit !== undefined && call.time - lastExit < maxGapUs) gaps.push(call.time - lastExit);
      } else if (call.event === "sys_exit_write" && entered !== undefined) {
        durations.push(call.time - entered);
        lastExit = call.time;
        entered = undefined;
      }
    }
  }
  return { durations, gaps };
}

export interface SendPhases {
  sends: number;
  /** p50 and p90 of each phase (µs). */
  acceptToRead: [number, number];
  readToFirstFrame: [number, number];
  firstToLastFrame: [number, number];
  acceptToLastFrame: [number, number];
  lastFrameToAnswer: [number, number];
}

/** The p50 and p90 of `values`, rounded to whole µs. */
export function p50p90(values: readonly number[]): [number, number] {
  return [Math.round(quantile(values, 0.5)), Math.round(quantile(values, 0.9))];
}

export function sendPhases(sends: readonly SendCalls[]): SendPhases {
  const of = (phase: (s: SendCalls) => number) => p50p90(sends.map(phase));
  const last = (s: SendCalls) => s.frames[s.frames.length - 1] ?? s.requestRead;
  return {
    sends: sends.length,
    acceptToRead: of((s) => s.requestRead - s.accepted),
    readToFirstFrame: of((s) => (s.frames[0] ?? s.requestRead) - s.requestRead),
    firstToLastFrame: of((s) => last(s) - (s.frames[0] ?? s.requestRead)),
    acceptToLastFrame: of((s) => last(s) - s.accepted),
    lastFrameToAnswer: of((s) => s.answered - last(s)),
  };
}
