// Nothing a target sends may crash the probe or make it wait without bound: targets that babble
// random bytes (seeded, so a failure can be replayed) and one that answers nothing at all.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { describe, it } from "node:test";
import { runProbe } from "../../src/probe/run.js";
import { freePort, loopbackHosts } from "../support/loopback.js";

/** A small seeded PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['{', '}', '"', '\n', '\r\n', '[', ']', ':', ',', '{"status":"ok"', '{"status":"ok","messages":{}}',
  '{"status":"error"}', '"messages":', '{"1707243010934":{"peer_id":', '"message":"ž"}', '\\', 'null', '123', '\xff'];

function babble(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const count = Math.floor(next() * 12);
  for (let i = 0; i < count; i++) {
    parts.push(next() < 0.15
      ? Buffer.from([Math.floor(next() * 256)])
      : Buffer.from(PIECES[Math.floor(next() * PIECES.length)] as string, "utf8"));
  }
  return Buffer.concat(parts);
}

/** A target answering every read, datagram and request with random bytes, sometimes hanging up. */
async function startBabbler(host: string, port: number, seed: number) {
  const next = random(seed);
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    const speak = () => {
      if (next() < 0.1) socket.destroy();
      else socket.write(babble(next));
    };
    speak();
    socket.on("data", speak);
  });
  const udp = createSocket("udp4");
  udp.on("message", (_data, remote) => udp.send(babble(next), remote.port, remote.address));
  const http = createHttpServer((_req, res) => {
    res.statusCode = [200, 200, 404, 500][Math.floor(next() * 4)] as number;
    res.end(babble(next));
  });
  await new Promise<void>((resolve) => tcp.listen({ host, port }, resolve));
  await new Promise<void>((resolve) => udp.bind({ address: host, port }, resolve));
  await new Promise<void>((resolve) => http.listen({ host, port: 0 }, resolve));
  return {
    httpBase: `http://${host}:${(http.address() as AddressInfo).port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      http.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => tcp.close(resolve)),
        new Promise((resolve) => udp.close(() => resolve(undefined))),
        new Promise((resolve) => http.close(resolve)),
      ]);
    },
  };
}

describe("the probe against hostile targets", () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`finishes with a full report against a target babbling random bytes (seed ${seed})`, async () => {
      const [host, probeHost] = loopbackHosts(2) as [string, string];
      const port = await freePort();
      const target = await startBabbler(host, port, seed);
      try {
        const started = Date.now();
        const report = await runProbe({
          host, port, http: new URL(target.httpBase), bindAddress: probeHost,
          timeoutMs: 200, stress: seed % 2 === 0, peerId: "probe-hostile",
        });
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
        assert.ok([1, 2].includes(report.exitCode), `exit ${report.exitCode}`);
        assert.ok(report.checks.every((c) => c.detail !== "" && c.detail !== "not run"),
          report.checks.filter((c) => c.detail === "not run").map((c) => c.id).join(", "));
        JSON.stringify(report); // the report itself must serialise
      } finally {
        await target.stop();
      }
    });
  }

  it("gives up on a target that accepts connections and answers nothing, within bounded time", async () => {
    const [host, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const sockets = new Set<Socket>();
    const tcp = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => tcp.listen({ host, port }, resolve));
    try {
      const started = Date.now();
      const report = await runProbe({
        host, port, http: new URL(`http://${host}:${port}`), bindAddress: probeHost,
        timeoutMs: 200, stress: true, peerId: "probe-silent",
      });
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      assert.equal(report.exitCode, 1);
      assert.match(report.checks.find((c) => c.id === "tcp-hello")?.detail ?? "", /no answer within 200 ms/);
      assert.match(report.checks.find((c) => c.id === "error-not-json")?.detail ?? "", /first hello was not answered ok/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});
