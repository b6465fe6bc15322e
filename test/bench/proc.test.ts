import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { idleMeter, minorFaults, threadDelta, threadTimes } from "../../bench/proc.js";

/** A node process that runs `script`; resolves once it has said "ready". */
async function child(script: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["-e", `${script}; console.log("ready")`], { stdio: ["ignore", "pipe", "inherit"] });
  await once(proc.stdout!, "data");
  return proc;
}

async function stop(proc: ChildProcess): Promise<void> {
  proc.kill("SIGKILL");
  if (proc.exitCode === null && proc.signalCode === null) await once(proc, "exit");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("bench/proc: what a process's threads cost, read from /proc", () => {
  it("counts the page faults of memory touched for the first time", async () => {
    // Touches 8 MiB (2,048 pages of 4 KiB) it never had, once told to on its stdin.
    const proc = spawn(process.execPath, ["-e", `console.log("ready"); process.stdin.once("data", () => { globalThis.b = Buffer.alloc(8 * 1024 * 1024, 1); console.log("touched"); })`],
      { stdio: ["pipe", "pipe", "inherit"] });
    try {
      await once(proc.stdout!, "data");
      const before = minorFaults(proc.pid!);
      assert.ok(Number.isInteger(before) && before > 0, `a started node has faulted: ${before}`);
      proc.stdin!.write("go\n");
      await once(proc.stdout!, "data");
      const after = minorFaults(proc.pid!);
      assert.ok(after - before >= 1_500, `8 MiB touched: ${after - before} faults`);
    } finally {
      await stop(proc);
    }
    assert.ok(Number.isNaN(minorFaults(proc.pid!)), "a process gone has none to read");
  });

  it("counts a timer's wake-ups on the main thread and its CPU below the 10 ms of a clock tick", async () => {
    // Wakes every 20 ms and does next to nothing: 25 wake-ups a second, far less than a tick each.
    const proc = await child("setInterval(() => {}, 20)");
    try {
      const pid = proc.pid!;
      const before = threadTimes(pid);
      assert.ok(before.has(pid), "the main thread's id is the process's");
      await sleep(1_000);
      const delta = threadDelta(before, threadTimes(pid));
      const main = delta.find((t) => t.name.endsWith(`/${pid}`))!;
      assert.ok(main.wakeUps >= 30 && main.wakeUps <= 80, `main thread woke ${main.wakeUps} times in 1 s of a 20 ms timer`);
      assert.ok(main.cpuMs > 0 && main.cpuMs < 100, `main thread used ${main.cpuMs} ms`);
      assert.notEqual(main.cpuMs % 10, 0, "a nanosecond figure, not whole ticks");
    } finally {
      await stop(proc);
    }
  });

  it("idleMeter tells a busy process from an idle one, per second", async () => {
    const idle = await child("setInterval(() => {}, 1000)");
    // Spins 50 ms of every 100: about half a core.
    const busy = await child("setInterval(() => { const end = Date.now() + 50; while (Date.now() < end); }, 100)");
    try {
      const meter = idleMeter([idle.pid!, busy.pid!]);
      await sleep(1_000);
      const { readings, seconds } = meter();
      assert.ok(seconds >= 0.9 && seconds < 3);
      const [quiet, spinning] = readings as [{ percent: number; wakeUpsPerSecond: number }, { percent: number; wakeUpsPerSecond: number }];
      assert.ok(quiet.percent < 5, `idle process at ${quiet.percent} %`);
      // Half a core when it has one; the test suite's other files share the two cores, and a CI
      // run measured 23 %: what is checked is that the meter tells the two apart.
      assert.ok(spinning.percent > 10 && spinning.percent < 80, `busy process at ${spinning.percent} %`);
      assert.ok(spinning.percent > 4 * quiet.percent, `busy ${spinning.percent} % against idle ${quiet.percent} %`);
      assert.ok(spinning.wakeUpsPerSecond >= 5, `busy process woke ${spinning.wakeUpsPerSecond} times a second`);
    } finally {
      await Promise.all([stop(idle), stop(busy)]);
    }
  });
});
