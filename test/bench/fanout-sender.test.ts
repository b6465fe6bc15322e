// The fan-out benchmark's HTTP client (bench/scenarios/fanout-sender.ts): what it records must be
// what the server answered, with a keep-alive server (p2pchat, the bare Node.js peer) and with
// one that closes after every answer (HTTP/1.0, as the reference peer's Python server does).
import assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { sendAtPace } from "../../bench/scenarios/fanout-sender.js";

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const texts = (count: number) => Array.from({ length: count }, (_, k) => `hello #${k} ✓`);

describe("the fan-out's sender", () => {
  it("sends every text over at most maxInFlight keep-alive connections, and records each answer", async () => {
    const received: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = http.createServer((request, response) => {
      const text = new URL(request.url ?? "/", "http://x").searchParams.get("message") ?? "";
      received.push(text);
      // Every tenth is refused, and so recorded.
      response.statusCode = received.length % 10 === 0 ? 400 : 200;
      response.end(JSON.stringify({ status: "ok", message: text }));
    });
    server.on("connection", (socket) => sockets.add(socket));
    try {
      const port = await listening(server);
      const result = await sendAtPace({ address: "127.0.0.1", port, texts: texts(200), rate: 2_000, maxInFlight: 4 });
      assert.deepEqual([...received].sort(), texts(200).sort());
      assert.equal(result.records.length, 200);
      assert.equal(result.records.filter((r) => r.status === 200).length, 180);
      assert.equal(result.records.filter((r) => r.status === 400).length, 20);
      assert.ok(result.records.every((r) => Number.isFinite(r.httpMs) && r.time >= result.startAt - 1));
      assert.ok(sockets.size <= 4, `${sockets.size} connections`);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  // The reference peer's server answers HTTP/1.0 with a length and then closes; the close may come
  // a little after the answer, and a request written in between would be lost.
  for (const withLength of [true, false]) {
    it(`takes a new connection for each request of an HTTP/1.0 server, ${withLength ? "with" : "without"} a Content-Length`, async () => {
      let connections = 0;
      const body = '{"status":"ok"}';
      const server = net.createServer((socket) => {
        connections++;
        socket.on("error", () => undefined);
        socket.once("data", () => {
          const head = `HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n${withLength ? `Content-Length: ${body.length}\r\n` : ""}\r\n`;
          if (withLength) {
            socket.write(head + body);
            setTimeout(() => socket.end(), 30);
          } else {
            socket.end(head + body);
          }
        });
      });
      try {
        const port = await listening(server);
        const result = await sendAtPace({ address: "127.0.0.1", port, texts: texts(50), rate: 1_000, maxInFlight: 3 });
        assert.equal(result.records.filter((r) => r.status === 200).length, 50);
        assert.equal(connections, 50);
      } finally {
        server.close();
      }
    });
  }

  it("records a request whose connection ends before its whole answer as failed", async () => {
    // Headers promising a body that never comes, then the end.
    const server = net.createServer((socket) => socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"st")));
    try {
      const port = await listening(server);
      const result = await sendAtPace({ address: "127.0.0.1", port, texts: texts(5), rate: 500, maxInFlight: 2 });
      assert.deepEqual(result.records.map((r) => r.status), [0, 0, 0, 0, 0]);
    } finally {
      server.close();
    }
  });
});
