// Tests of the LAN harness itself (test/lan/netns.ts), with the reference peer as the only peer:
// if these fail, no other LAN test result means anything.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { once } from "node:events";
import { test } from "node:test";
import { performance } from "node:perf_hooks";
import { createLan, requireLan, requireRefpeer, running, withLan, type Lan, type LanHost } from "./netns.js";
import { httpUp } from "./scenario.js";
import { waitFor } from "../support/wait.js";


interface Footprint {
  namespaces: string[];
  links: string[];
  pids: number[];
  subnetRoute: string;
}

function footprint(lan: Lan, pids: number[]): Footprint {
  return {
    namespaces: lan.hosts.map((h) => h.ns),
    links: [lan.bridge, ...lan.hosts.map((h) => h.veth)],
    pids,
    subnetRoute: lan.broadcast.replace(/\.255$/, ".0/24"),
  };
}

function leftovers(f: Footprint): string[] {
  const left: string[] = [];
  for (const ns of f.namespaces) if (fs.existsSync(`/run/netns/${ns}`)) left.push(`namespace ${ns}`);
  const firstWords = (text: string) => text.split("\n").map((line) => line.split(" ")[0]);
  const netnsList = firstWords(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }));
  for (const ns of f.namespaces) if (netnsList.includes(ns)) left.push(`namespace ${ns} in ip netns list`);
  for (const link of f.links) if (fs.existsSync(`/sys/class/net/${link}`)) left.push(`link ${link}`);
  for (const pid of f.pids) if (running(pid)) left.push(`process ${pid}`);
  const routes = firstWords(execFileSync("ip", ["-4", "route", "show"], { encoding: "utf8" }));
  if (routes.includes(f.subnetRoute)) left.push(`route ${f.subnetRoute}`);
  return left;
}

/** Like assert.deepEqual(leftovers(f), []), giving the kernel a moment to reap killed processes. */
async function assertNoLeftovers(f: Footprint, withinMs = 2000): Promise<void> {
  await waitFor(() => leftovers(f).length === 0, { timeoutMs: withinMs, what: "no leftovers" }).catch(() => undefined);
  assert.deepEqual(leftovers(f), []);
}

function assertPresent(f: Footprint): void {
  for (const ns of f.namespaces) assert.ok(fs.existsSync(`/run/netns/${ns}`), `namespace ${ns} should exist`);
  for (const link of f.links) assert.ok(fs.existsSync(`/sys/class/net/${link}`), `link ${link} should exist`);
}


test("two reference peers find each other by broadcast, connect both ways and chat", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const lan = await createLan({ hosts: 2 });
  t.after(() => lan.destroy());
  const [h1, h2] = lan.hosts as [LanHost, LanHost];
  assert.match(h1.address, /^198\.1[89]\.\d+\.1$/);
  assert.match(lan.broadcast, /^198\.1[89]\.\d+\.255$/);

  const a = lan.spawnRefpeer(h1, { peerId: "peer-a", interval: 1 });
  const b = lan.spawnRefpeer(h2, { peerId: "peer-b", interval: 1 });
  t.after(() => {
    t.diagnostic(`logs: ${a.logFile} ${b.logFile}`);
  });

  // docs/protocol.md §2: two connections between every pair, one opened by each side.
  for (const [host, other] of [
    [h1, h2],
    [h2, h1],
  ] as const) {
    await waitFor(
      async () => {
        const c = await lan.tcpConnections(host);
        return c.inbound.length === 1 && c.outbound.length === 1 ? c : undefined;
      },
      { timeoutMs: 15_000, what: `${host.name} to have one inbound and one outbound peer connection` },
    );
    assert.deepEqual(await lan.tcpConnections(host), { inbound: [other.address], outbound: [other.address] });
  }

  const text = `hello from a, ${Date.now()} — žluťoučký kůň`;
  const sent = await lan.http(h1, `/send?message=${encodeURIComponent(text)}`);
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.body, { status: "ok" });

  const [id, entry] = await waitFor(
    async () => {
      const { body } = await lan.http(h2, "/messages");
      return Object.entries(body as Record<string, { peer_id: string; message: string }>).find(
        ([, m]) => m.message === text,
      );
    },
    { timeoutMs: 5000, what: "peer-b's /messages to show the message sent on peer-a" },
  );
  assert.match(id, /^\d{13,}$/);
  assert.deepEqual(entry, { peer_id: "peer-a", message: text });
  assert.ok(a.output().includes("connected to peer-b"), a.output());
});

test("destroy() stops every process and removes namespaces, veths and bridge; twice is fine", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const started = performance.now();
  const lan = await createLan({ hosts: 4 });
  const created = performance.now() - started;
  t.diagnostic(`createLan({ hosts: 4 }) took ${created.toFixed(0)} ms`);
  assert.ok(created < 2000, `creating a 4-host LAN took ${created} ms`);
  try {
    const late = await lan.addHost("late");
    assert.equal(lan.hosts.length, 5);
    assert.equal(late.name, "late");
    assert.match(late.address, /\.5$/);

    const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];
    const peers = [lan.spawnRefpeer(h1, { peerId: "x1" }), lan.spawnRefpeer(h2, { peerId: "x2" })];
    // A process that ignores SIGTERM (needs the SIGKILL escalation) and a grandchild that
    // spawn() never saw (found through its namespace).
    const stubborn = lan.spawn(h3, "sh", ["-c", "trap '' TERM; sleep 300 & echo $!; wait; sleep 300"], { name: "stubborn" });
    const grandchild = await waitFor(() => Number(/^(\d+)$/m.exec(stubborn.output())?.[1]) || undefined, {
      timeoutMs: 5000,
      what: "the shell to print its grandchild's pid",
    });
    const outsider = lan.spawn(late, "sleep", ["300"]);
    await httpUp(lan, h1);
    await httpUp(lan, h2);
    const f = footprint(lan, [...peers.map((p) => p.pid), stubborn.pid, grandchild, outsider.pid]);
    assertPresent(f);
    for (const pid of f.pids) assert.ok(running(pid), `process ${pid} should run before destroy()`);

    const t0 = performance.now();
    await lan.destroy();
    t.diagnostic(`destroy() took ${(performance.now() - t0).toFixed(0)} ms (one process ignores SIGTERM)`);
    assert.deepEqual(leftovers(f), []);
    for (const p of [...peers, stubborn, outsider]) {
      const { signal } = await p.exited;
      assert.ok(signal === "SIGTERM" || signal === "SIGKILL", `${p.name} ended by ${signal}`);
    }
    assert.equal((await stubborn.exited).signal, "SIGKILL");
    assert.ok(fs.readFileSync(peers[0]!.logFile, "utf8").includes("peer x1 up"), "the log file keeps the output");

    await lan.destroy(); // second call: no error
    assert.throws(() => lan.spawn(h1, "true", []), /destroyed/);
  } finally {
    await lan.destroy();
  }
});

test("a LAN without processes is created and destroyed quickly", async (t) => {
  if (!requireLan(t)) return;
  const t0 = performance.now();
  const lan = await createLan({ hosts: 4 });
  const t1 = performance.now();
  await lan.destroy();
  const t2 = performance.now();
  t.diagnostic(`4 hosts: create ${(t1 - t0).toFixed(0)} ms, destroy ${(t2 - t1).toFixed(0)} ms`);
  assert.deepEqual(leftovers(footprint(lan, [])), []);
});

test("a scenario that throws still cleans up everything", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  let f: Footprint | undefined;
  await assert.rejects(
    withLan({ hosts: 2 }, async (lan) => {
      const [h1, h2] = lan.hosts as [LanHost, LanHost];
      const peer = lan.spawnRefpeer(h1, { peerId: "doomed" });
      const sleeper = lan.spawn(h2, "sleep", ["300"]);
      await httpUp(lan, h1);
      f = footprint(lan, [peer.pid, sleeper.pid]);
      assertPresent(f);
      throw new Error("scenario failed on purpose");
    }),
    /failed on purpose/,
  );
  assert.ok(f);
  assert.deepEqual(leftovers(f), []);
});

// A separate test process creates a LAN, starts processes in it, prints what it made, and then is
// interrupted in various ways. Nothing may survive it.
async function interruptedChild(
  ending: "SIGTERM" | "SIGINT" | "throw" | "SIGKILL",
  env: NodeJS.ProcessEnv = {},
): Promise<Footprint> {
  const netns = new URL("./netns.js", import.meta.url).href;
  const script = `
    import { createLan } from ${JSON.stringify(netns)};
    const lan = await createLan({ hosts: 2 });
    const sleeper = lan.spawn(lan.hosts[0], "sleep", ["300"]);
    const peer = lan.spawnRefpeer(lan.hosts[1], { peerId: "orphan" });
    console.log(JSON.stringify({
      namespaces: lan.hosts.map((h) => h.ns),
      links: [lan.bridge, ...lan.hosts.map((h) => h.veth)],
      pids: [sleeper.pid, peer.pid],
      subnetRoute: lan.broadcast.replace(/\\.255$/, ".0/24"),
    }));
    ${ending === "throw" ? `setTimeout(() => { throw new Error("uncaught on purpose"); }, 200);` : ""}
    // Stay until our stdin closes: if this test process dies, the child does not outlive it.
    process.stdin.on("end", () => process.exit(0)).resume();
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = once(child, "exit");
  const line = await waitFor(() => stdout.split("\n")[0]?.trim() || undefined, {
    timeoutMs: 10_000,
    what: "the child test process to create its LAN",
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}; child stderr: ${stderr}`);
  });
  const f = JSON.parse(line) as Footprint;
  assertPresent(f);
  if (ending !== "throw") child.kill(ending);
  const [code, sig] = await exited;
  if (ending === "throw") assert.ok(code !== 0 && stderr.includes("uncaught on purpose"), stderr);
  else assert.equal(sig, ending, `child ended by ${sig ?? code}; stderr: ${stderr}`);
  return f;
}

test("a test process that is interrupted leaves nothing behind", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  for (const ending of ["SIGTERM", "SIGINT", "throw"] as const) {
    await t.test(`ended by ${ending}`, async () => {
      const f = await interruptedChild(ending);
      // The exit/signal handlers work synchronously; killed processes are reaped a moment later.
      await assertNoLeftovers(f);
    });
  }
  await t.test("killed by SIGKILL: its reaper process removes everything", async () => {
    await assertNoLeftovers(await interruptedChild("SIGKILL"));
  });
  await t.test("killed by SIGKILL without a reaper: the next createLan() removes its leftovers", async (t) => {
    const f = await interruptedChild("SIGKILL", { P2PCHAT_LAN_REAPER: "0" });
    // Not asserted: a test file running in parallel may have called createLan() meanwhile.
    if (leftovers(f).length === 0) t.diagnostic("leftovers of the SIGKILLed child were already removed");
    const lan = await createLan({ hosts: 1 });
    await lan.destroy();
    await assertNoLeftovers(f);
  });
});

test("setLink() cuts a host off the LAN and reconnects it", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  await withLan({ hosts: 1 }, async (lan) => {
    const [h1] = lan.hosts as [LanHost];
    lan.spawnRefpeer(h1, { peerId: "island" });
    await httpUp(lan, h1);
    await lan.setLink(h1, false);
    await assert.rejects(lan.http(h1, "/messages", { timeoutMs: 500 }));
    await lan.setLink(h1, true);
    await httpUp(lan, h1);
  });
});
