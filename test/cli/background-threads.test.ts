// A running daemon's helper threads (V8's compiler and collector, libuv's) run at the lowest CPU
// priority and its main thread at the priority it was started with (src/cli/background-threads.ts).
// Read from /proc, as the kernel holds them: field 19 of each thread's stat is its nice value.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");

/** Each thread's nice value, by thread id. */
function niceOfThreads(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, "utf8");
    // The command name, field 2, is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    nice.set(Number(thread), Number(fields[16]));
  }
  return nice;
}

describe("the daemon's helper threads", () => {
  it("run at the lowest priority, and its main thread where it started", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "p2pchat-threads-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [host] = loopbackHosts(1) as [string];
    const child = spawn(process.execPath, [CLI, "--peer-id", "threads", "--port", String(await freePort()), "--broadcast", host,
      "--http-port", String(await freePort()), "--http-bind", host, "--log-level", "debug"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    t.after(() => child.kill("SIGKILL"));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes("listening"), { timeoutMs: 10_000, what: "the daemon to listen" });

    const said = /debug +(\d+) helper threads of V8 and libuv at the lowest CPU priority/.exec(output);
    assert.ok(said, output);
    const nice = niceOfThreads(child.pid!);
    const started = niceOfThreads(process.pid).get(process.pid);
    assert.equal(nice.get(child.pid!), started, "the main thread keeps the priority it inherited");
    const helpers = [...nice].filter(([thread]) => thread !== child.pid);
    assert.ok(helpers.length >= 4, `V8's platform has worker threads: ${helpers.length}`);
    assert.ok(Number(said[1]) >= 4 && Number(said[1]) <= helpers.length, `lowered ${said[1]} of ${helpers.length}`);
    // Threads made after the start (libuv's pool on its first use) inherit the main thread's.
    const lowered = helpers.filter(([, value]) => value === 19).length;
    assert.equal(lowered, Number(said[1]), `nice values: ${JSON.stringify([...nice])}`);
  });
});
