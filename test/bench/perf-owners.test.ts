import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownerOf, parsePerfScript, perfOwners, renderOwners } from "../../bench/perf-owners.js";

const OURS = "/repo/dist/src/cli/chunks/daemon.cjs";

/** One sample as `perf script -F tid,ip,sym` prints it: the thread, then its frames innermost first. */
function sample(tid: number, ...frames: string[]): string {
  return ` ${tid} \n${frames.map((f, i) => `\t    ${(0x7f00 + i).toString(16)} ${f}`).join("\n")}\n\n`;
}

const readCallback = ["JS:^onStreamRead node:internal/stream_base_commons:168:22", "node::LibuvStreamWrap::OnUvRead", "uv__read", "uv_run"];
const ack = [`JS:^send ${OURS}:3729:7`, `JS:^ ${OURS}:4051:28`, ...readCallback];

const capture =
  // Two in our code: the history's add, and the decoder under the read callback.
  sample(10, `JS:^add ${OURS}:2000:6`, `JS:^receive ${OURS}:2573:10`, ...ack.slice(1)) +
  sample(10, "Builtins_LoadIC", `JS:*push ${OURS}:1508:7`, `JS:^onData ${OURS}:3768:9`, ...readCallback) +
  // Our ack's write: in the kernel, then in Node's stream code.
  sample(10, "tcp_sendmsg", "ksys_write", "do_syscall_64", "entry_SYSCALL_64_after_hwframe", "__GI___libc_write", "JS:^Writable.write node:internal/streams/writable:504:36", ...ack) +
  sample(10, "Builtins_LoadIC", "JS:^writeOrBuffer node:internal/streams/writable:548:23", "JS:^Writable.write node:internal/streams/writable:504:36", ...ack) +
  // Node's own: its read path, its tick queue after a read, the loop.
  sample(10, "JS:^Readable.push node:internal/streams/readable:387:35", ...readCallback) +
  sample(10, "JS:^processTicksAndRejections node:internal/process/task_queues:67:35", "node::InternalCallbackScope::Close", ...readCallback) +
  sample(10, "epoll_pwait", "uv__io_poll", "uv_run") +
  sample(10, "_int_malloc", "node::Start") +
  // A helper thread: never the main one, whatever it runs.
  sample(11, "v8::internal::Heap::Scavenge", `JS:^add ${OURS}:2000:6`);

describe("perf owners", () => {
  it("reads perf script's samples: the thread, then the frames innermost first", () => {
    const samples = parsePerfScript(capture);
    assert.equal(samples.length, 9);
    assert.deepEqual(samples[0], { tid: 10, frames: [`JS:^add ${OURS}:2000:6`, `JS:^receive ${OURS}:2573:10`, ...ack.slice(1)] });
    assert.equal(samples[8]!.tid, 11);
  });

  it("tells our code from our writes, Node's read path, its queues and the loop", () => {
    const owners = parsePerfScript(capture).filter((s) => s.tid === 10).map((s) => ownerOf(s.frames, "chunks/daemon.cjs"));
    assert.deepEqual(owners, [
      "p2pchat's code",
      "p2pchat's code",
      "writing a frame: the kernel",
      "writing a frame: Node's stream code and libuv",
      "Node's read path around it",
      "Node's tick and microtask queues",
      "the event loop",
      "other native code",
    ]);
  });

  it("tells a write whose JavaScript frames the optimising compiler inlined", () => {
    const inlined = (...inner: string[]) => [...inner, "JS:*writeOrBuffer node:internal/streams/writable:548:23", `JS:^ ${OURS}:12:3`, ...readCallback];
    assert.equal(ownerOf(inlined("tcp_sendmsg", "ksys_write", "do_syscall_64", "__GI___libc_write", "node::StreamBase::Write"), "chunks/daemon.cjs"),
      "writing a frame: the kernel");
    assert.equal(ownerOf(inlined("node::StreamBase::Write"), "chunks/daemon.cjs"), "writing a frame: Node's stream code and libuv");
    // Our own code calling something else that enters the kernel (a timer, say) stays ours.
    assert.equal(ownerOf(["do_syscall_64", "__x64_sys_timerfd_settime", `JS:^arm ${OURS}:40:1`, ...readCallback], "chunks/daemon.cjs"), "p2pchat's code");
  });

  it("sums the owners over the main thread, the busiest, and names our functions by their deepest frame", () => {
    const sourceOf = (file: string, line: number) => (file === OURS && line === 2000 ? "history/history.ts:89" : undefined);
    const report = perfOwners(parsePerfScript(capture), "chunks/daemon.cjs", sourceOf);
    assert.equal(report.samples, 9);
    assert.equal(report.mainThread, 10);
    assert.deepEqual(report.owners[0], ["p2pchat's code", 2]);
    assert.equal(Object.fromEntries(report.owners)["other threads (GC, compiler, libuv's pool)"], 1);
    // The history's add by its source; the decoder's push by the bundle's line, having no source.
    assert.deepEqual(report.functions, [["add history/history.ts:89", 1], ["push daemon.cjs:1508", 1]]);
    const text = renderOwners(report);
    assert.match(text, /^9 samples, main thread 10\n/);
    assert.match(text, / 22\.2 %  p2pchat's code\n/);
    assert.match(text, / 11\.1 %  add history\/history\.ts:89\n/);
  });
});
