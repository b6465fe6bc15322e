import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { counterGrowth, kindOf, parseNstat, parsePerfReport, roomProfile } from "../../bench/room-samples.js";

/** As `perf report --stdio --no-children --sort pid,dso,sym -n -t '|'` prints it. */
const REPORT = [
  "# Total Lost Samples: 0",
  "#",
  "# Overhead|Samples|Pid:Command|Shared Object|Symbol",
  "     0.77%  |84         |  31272:node   |[kernel.kallsyms]  |[k] finish_task_switch.isra.0",
  "     0.50%  |50         |  31272:node   |node               |[.] Builtins_LoadIC",
  "     0.30%  |30         |  31272:node   |[JIT] tid 31272    |[.] JS:*receive /x/daemon.cjs:2842:10",
  "     0.20%  |20         |  31280:node   |node               |[.] v8::internal::compiler::GraphReducer::ReduceTop",
  "     0.10%  |10         |  31272:node   |node               |[.] v8::internal::Scavenger::ScavengePage",
  "     0.05%  |5          |  31272:node   |libc.so.6          |[.] __memmove_avx_unaligned_erms",
  "     0.04%  |4          |  31272:node   |node               |[.] uv__io_poll",
  "     0.01%  |1          |  31280:node   |[kernel.kallsyms]  |[k] a|symbol|with|bars",
  "",
].join("\n");

describe("a room's profile by kind of code", () => {
  it("reads perf report's rows: samples, thread, file and symbol", () => {
    const rows = parsePerfReport(REPORT);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[0], { samples: 84, tid: 31272, dso: "[kernel.kallsyms]", symbol: "finish_task_switch.isra.0" });
    assert.deepEqual(rows[2], { samples: 30, tid: 31272, dso: "[JIT] tid 31272", symbol: "JS:*receive /x/daemon.cjs:2842:10" });
    assert.equal(rows[7]!.symbol, "a|symbol|with|bars");
  });

  it("tells the kinds of code apart by file and symbol", () => {
    assert.equal(kindOf("[kernel.kallsyms]", "tcp_ack"), "the kernel");
    assert.equal(kindOf("[JIT] tid 9", "JS:~json x:1:1"), "JavaScript compiled by V8");
    assert.equal(kindOf("node", "Builtins_GetNamedPropertyHandler"), "V8's builtins (inline caches, calls, the interpreter)");
    assert.equal(kindOf("node", "v8::internal::compiler::Scheduler::ScheduleLate"), "V8's optimising compiler");
    assert.equal(kindOf("node", "v8::internal::Heap::CollectGarbage"), "garbage collection");
    assert.equal(kindOf("node", "node::StreamBase::CallJSOnreadMethod"), "other native code (V8's runtime, Node, libuv)");
    assert.equal(kindOf("libc.so.6", "write"), "libc and other libraries");
    assert.equal(kindOf("python3.11", "_PyEval_EvalFrameDefault"), "Python's interpreter");
    assert.equal(kindOf("libpython3.11.so.1.0", "PyObject_GetAttr"), "Python's interpreter");
  });

  it("sums main threads (a process's own id) apart from the others", () => {
    const profile = roomProfile(parsePerfReport(REPORT), new Set([31272]));
    assert.equal(profile.total, 204);
    assert.equal(profile.main["the kernel"], 84);
    assert.equal(profile.main["V8's builtins (inline caches, calls, the interpreter)"], 50);
    assert.equal(profile.main["JavaScript compiled by V8"], 30);
    assert.equal(profile.main["garbage collection"], 10);
    assert.equal(profile.main["libc and other libraries"], 5);
    assert.equal(profile.main["other native code (V8's runtime, Node, libuv)"], 4);
    assert.equal(profile.other["V8's optimising compiler"], 20);
    assert.equal(profile.other["the kernel"], 1);
  });

  it("sums what the TCP counters grew by over every namespace", () => {
    const before = [parseNstat('{"kernel":{"TcpOutSegs":100,"TcpExtDelayedACKs":2}}'), parseNstat('{"kernel":{"TcpOutSegs":50}}')];
    const after = [parseNstat('{"kernel":{"TcpOutSegs":130,"TcpExtDelayedACKs":2}}'), parseNstat('{"kernel":{"TcpOutSegs":62}}')];
    const growth = counterGrowth(before, after);
    assert.equal(growth.TcpOutSegs, 42);
    assert.equal(growth.TcpExtDelayedACKs, 0);
    assert.equal(growth.TcpRetransSegs, 0);
  });
});
