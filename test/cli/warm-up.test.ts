// The daemon's warm-up before its first hello (src/cli/warm-up.ts): hellos and their answers over
// several loopback connections at once, and a datagram to itself, with sockets of its own. It
// always resolves, within its limit, and leaves nothing open: the first hello never waits long
// for it, and a process holds nothing of it afterwards (one that does nothing else exits by itself).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { WARM_UP_CONNECTIONS, WARM_UP_LIMIT_MS, warmUpConnections } from "../../src/cli/warm-up.js";
import { requireLan, withLan } from "../lan/netns.js";

const WARM_UP_MODULE = pathToFileURL(join(process.cwd(), "dist/src/cli/warm-up.js")).href;
/** A node that warms up, prints the result, and has nothing else to do. */
const WARM_UP_ONLY = `import { warmUpConnections } from ${JSON.stringify(WARM_UP_MODULE)};\n` +
  "console.log(JSON.stringify(await warmUpConnections()));\n";

/** What a warm-up could leave open in this process: sockets, servers, timers. */
async function leftOpen(): Promise<string[]> {
  await sleep(50); // closing a socket or a server completes in a later turn of the loop
  return process.getActiveResourcesInfo().filter((kind) => /TCP|UDP|Timeout/.test(kind));
}

describe("the warm-up before the first hello", () => {
  it("says a hello over each of its loopback connections and reads every answer, and a datagram, within its limit, leaving nothing open", async () => {
    const result = await warmUpConnections();
    assert.equal(result.error, undefined);
    assert.equal(result.hellos, WARM_UP_CONNECTIONS);
    assert.ok(result.ms < WARM_UP_LIMIT_MS, `${result.ms} ms`);
    assert.deepEqual(await leftOpen(), []);
  });

  it("leaves a process nothing to wait for: one that only warms up exits by itself", () => {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", WARM_UP_ONLY], { encoding: "utf8", timeout: 10_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(JSON.parse(child.stdout).error, undefined, child.stdout);
  });

  it("gives up at its limit when the loop is too busy to finish in time, and closes what it opened", async () => {
    const warming = warmUpConnections(5);
    // The connection completes in a turn of the loop after the limit's timer is due.
    const busyUntil = performance.now() + 20;
    while (performance.now() < busyUntil);
    const result = await warming;
    assert.equal(result.error, "not done within 5 ms");
    assert.deepEqual(await leftOpen(), []);
  });

  it("on a host whose loopback is down, gives up within its limit, says why, and the process goes on", async (t) => {
    if (!requireLan(t)) return;
    await withLan({ hosts: 1 }, async (lan) => {
      const [host] = lan.hosts;
      execFileSync("ip", ["-n", host!.ns, "link", "set", "lo", "down"]);
      const child = lan.spawn(host!, process.execPath, ["--input-type=module", "-e", WARM_UP_ONLY], { name: "warm-up" });
      const { code } = await child.exited;
      assert.equal(code, 0, child.output());
      const result = JSON.parse(child.output().split("\n").find((line) => line.startsWith("{")) ?? "{}");
      // Refused at once, or (with a route to elsewhere, as here) never answered until the limit.
      assert.match(result.error, new RegExp(`^(loopback connection: connect ENETUNREACH|not done within ${WARM_UP_LIMIT_MS} ms$)`), child.output());
      assert.ok(result.ms < WARM_UP_LIMIT_MS + 50, child.output());
    });
  });
});
