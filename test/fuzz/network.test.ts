// A bounded network fuzz run against the real daemon process: random and mutated input at its
// UDP, TCP and HTTP ports from one loopback address while a checker on another address keeps
// making valid requests. Every valid request must be answered, memory must stay bounded, and the
// process must survive. FUZZ_SECONDS sets the length (default 8 s).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { canSendRaw, sendRawUdpMany } from "../support/raw-udp.js";
import { connectScripted } from "../support/scripted-peer.js";
import { sleep, waitFor } from "../support/wait.js";

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 8);
const RSS_LIMIT_MB = 250;
const CLI = join(process.cwd(), "dist/src/cli/main.js");

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)] as T;

/** Valid-looking frames, then bent: the inputs most likely to reach deep into the handlers. */
const SEEDS = [
  { command: "hello", peer_id: "fuzzer" },
  { command: "new_message", message_id: "1707243010934", message: "ahoj" },
  { command: "new_message", message_id: 1707243010935, message: "num" },
  { status: "ok", messages: { "1707243010934": { peer_id: "x", message: "y" } } },
  { status: "ok", peer_id: "fuzzer" },
];
function mutatedFrame(): Buffer {
  const text = JSON.stringify(pick(SEEDS));
  const bytes = Buffer.from(pick([text, text + "\n", text + "\r\n", JSON.stringify(JSON.parse(text), null, 2)]));
  for (let i = randomInt(4); i > 0; i--) {
    const at = randomInt(bytes.length);
    bytes[at] = pick([randomInt(256), 0x7b, 0x7d, 0x22, 0x5c, 0x0a, 0x30 + randomInt(10)]);
  }
  return bytes;
}
/** A complete, well-formed object nested far deeper than any frame of the protocol. */
function deepFrame(): Buffer {
  const levels = randomInt(33, 20_000);
  const [open, close] = pick([["[", "]"], ['{"a":', "}"]]);
  return Buffer.from(`{"command":"hello","peer_id":"deep","x":${open!.repeat(levels)}${open === "[" ? "" : "0"}${close!.repeat(levels)}}\n`);
}
function randomInput(): Buffer {
  switch (randomInt(7)) {
    case 6: return deepFrame();
    case 0: return randomBytes(randomInt(1, 2048));
    case 1: return Buffer.from("{".repeat(randomInt(1, 5000)));
    case 2: return Buffer.from(`{"command":"new_message","message_id":"${randomInt(1e9)}${randomInt(1e9)}","message":"${"x".repeat(randomInt(70_000))}"}\n`);
    default: return mutatedFrame();
  }
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : 0;
}

test(`network fuzz: ${SECONDS} s of junk at UDP, TCP and HTTP while valid requests keep being served`, async (t) => {
  const [target, fuzzer, checker] = loopbackHosts(3) as [string, string, string];
  const port = await freePort();
  const httpPort = await freePort();
  // The daemon as users start it; its "broadcast" goes to its own loopback address.
  const child = spawn(process.execPath, [CLI, "--peer-id", "fuzz-target", "--port", String(port),
    "--broadcast", target, "--http-bind", target, "--http-port", String(httpPort), "--log-level", "warn"],
  { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.after(() => child.kill("SIGKILL"));
  const base = `http://${target}:${httpPort}`;
  await waitFor(async () => (await fetch(`${base}/messages`).catch(() => undefined))?.ok, { timeoutMs: 10_000, what: "the daemon up" });

  const counts = { udp: 0, rawUdp: 0, tcpConnections: 0, tcpChunks: 0, http: 0, rawHttp: 0, checks: 0, checkFailures: [] as string[] };
  const rss: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const running = () => Date.now() < deadline;

  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, fuzzer, resolve));
  t.after(() => udp.close());
  const fuzzUdp = async () => {
    while (running()) {
      const data = randomInt(10) === 0 ? Buffer.alloc(65_000, randomInt(256)) : randomInput().subarray(0, 65_000);
      await new Promise((resolve) => udp.send(data, port, target, resolve));
      counts.udp++;
      if (counts.udp % 20 === 0) await sleep(1);
    }
  };

  // Forged datagrams: absurd source ports (0 cannot be answered) and source addresses that are not
  // the sender's, all on loopback. A raw socket needs root; without it this part is left out.
  const fuzzRawUdp = async () => {
    if (!canSendRaw()) return;
    // Batches of 100 from one python process each: a process per datagram would load the CPU.
    while (running()) {
      const batch = Array.from({ length: 100 }, () => ({
        from: pick([fuzzer, checker, target, "127.0.0.1", `127.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`]),
        fromPort: pick([0, 0, 1, 65_535, port, randomInt(65_536)]),
        payload: pick([
          Buffer.from(JSON.stringify({ command: "hello", peer_id: `forged-${randomInt(1000)}` })),
          deepFrame(), mutatedFrame(), randomInput(),
        ]).subarray(0, 60_000),
      }));
      await sendRawUdpMany({ to: target, toPort: port }, batch);
      counts.rawUdp += batch.length;
      await sleep(1_000);
    }
  };

  const fuzzTcp = async () => {
    while (running()) {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: target, port, localAddress: fuzzer });
        socket.on("error", () => resolve());
        socket.on("close", () => resolve());
        socket.on("data", () => {});
        socket.on("connect", async () => {
          counts.tcpConnections++;
          for (let i = randomInt(1, 20); i > 0 && running() && !socket.destroyed; i--) {
            socket.write(randomInput());
            counts.tcpChunks++;
            await sleep(randomInt(3));
          }
          socket.destroy();
        });
      });
    }
  };

  const fuzzHttp = async () => {
    const paths = ["/messages", "/send", "//", "//x:99999", "/send?message=%FF", "/send?message=" + "x".repeat(70_000), "/nope", "/%", "/send?message=ok&message=two"];
    while (running()) {
      if (randomInt(3) === 0) {
        // Raw bytes at the HTTP port: broken request lines, huge headers, junk.
        await new Promise<void>((resolve) => {
          const socket = connect({ host: target, port: httpPort, localAddress: fuzzer });
          socket.on("error", () => resolve());
          socket.on("close", () => resolve());
          socket.on("data", () => {});
          socket.on("connect", () => {
            socket.end(pick([randomBytes(randomInt(1, 4096)), Buffer.from(`GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
              Buffer.from(`POST /send HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nmessage=`), mutatedFrame(),
              Buffer.from(`GET ${pick(["//", "//x:99999", "//[::1", "http://[", "*"])} HTTP/1.1\r\nHost: x\r\n\r\n`)]));
            counts.rawHttp++;
          });
          setTimeout(() => socket.destroy(), 200);
        });
      } else {
        const method = pick(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]);
        const headers = pick<Record<string, string>>([{}, { "Content-Type": "application/json" },
          { "Content-Type": "application/x-www-form-urlencoded" }, { Origin: "http://evil.example" }, { "Sec-Fetch-Site": "cross-site" }]);
        const body = method === "GET" || method === "HEAD" ? undefined : randomInput();
        await fetch(base + pick(paths), { method, headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(2_000) })
          .then((r) => r.arrayBuffer()).catch(() => undefined);
        counts.http++;
      }
    }
  };

  // The checker: a polite peer and a polite user, on their own address, every 100 ms.
  const check = async () => {
    const peer = await connectScripted(target, port, checker);
    t.after(() => peer.close());
    assert.equal((await peer.request({ command: "hello", peer_id: "checker" })).status, "ok");
    let n = 0;
    // Ids of a clock that is right: an hour back, so the fuzzer's messages never share one.
    const firstId = Date.now() - 3_600_000;
    while (running()) {
      n++;
      const id = String(firstId + n);
      const results = await Promise.allSettled([
        peer.request({ command: "new_message", message_id: id, message: `check ${n}` }, 3_000)
          .then((ack) => assert.deepEqual(ack, { status: "ok" })),
        fetch(`${base}/messages`, { signal: AbortSignal.timeout(3_000) }).then(async (r) => {
          assert.equal(r.status, 200);
          await r.json();
        }),
        fetch(`${base}/send?message=user+${n}`, { signal: AbortSignal.timeout(3_000) }).then(async (r) => {
          assert.deepEqual(await r.json(), { status: "ok" });
        }),
      ]);
      counts.checks += results.length;
      for (const r of results) if (r.status === "rejected") counts.checkFailures.push(String(r.reason).slice(0, 200));
      rss.push(rssMb(child.pid as number));
      await sleep(100);
    }
  };

  await Promise.all([fuzzUdp(), fuzzRawUdp(), fuzzTcp(), fuzzTcp(), fuzzHttp(), check()]);

  const alive = child.exitCode === null;
  const maxRss = Math.max(...rss);
  const summary = { seconds: SECONDS, ...counts, checkFailures: counts.checkFailures.length, maxRssMb: Math.round(maxRss), alive };
  mkdirSync("test-artifacts/fuzz", { recursive: true });
  writeFileSync("test-artifacts/fuzz/network-summary.json", JSON.stringify(summary, null, 2) + "\n");
  t.diagnostic(`network fuzz: ${JSON.stringify(summary)}`);

  assert.ok(alive, `daemon died: ${stderr}`);
  assert.deepEqual(counts.checkFailures, [], "every valid request answered");
  assert.ok(counts.checks >= SECONDS * 10, `only ${counts.checks} checks ran`);
  assert.ok(maxRss < RSS_LIMIT_MB, `RSS reached ${maxRss.toFixed(0)} MB`);
  child.kill("SIGTERM");
  assert.equal(await exited, 0, "clean exit after the run");
});
