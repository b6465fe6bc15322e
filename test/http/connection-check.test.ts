import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { describe, it } from "node:test";
import { checkConnectionsWhileConnected } from "../../src/http/connection-check.js";
import { sleep, waitFor } from "../support/wait.js";

async function listening(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

async function connected(port: number): Promise<Socket> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

async function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("HTTP connection check: only while a client is connected", () => {
  it("takes Node's own timer over, and runs from the first connection until a check finds none open", async () => {
    const server = createServer((_, response) => response.end("ok"));
    const check = checkConnectionsWhileConnected(server, 100);
    const port = await listening(server);
    try {
      // On a Node that keeps its timer otherwise this fails: the daemon would then wake every
      // interval at idle again, as before (connection-check.ts).
      assert.equal(check.takenOver, true, "this Node keeps its checking timer where connection-check.ts looks");
      assert.equal(check.running, false, "no client, no check");
      const first = await connected(port);
      const second = await connected(port);
      await waitFor(() => check.running, { timeoutMs: 2_000, intervalMs: 5, what: "the check to run once a client is connected" });
      first.destroy();
      await sleep(50);
      assert.equal(check.running, true, "one client is still connected");
      second.destroy();
      await waitFor(() => !check.running, { timeoutMs: 2_000, intervalMs: 5, what: "the check after the last client to stop it" });
    } finally {
      await closed(server);
    }
  });

  it("still ends a request whose headers do not come within headersTimeout", async () => {
    const server = createServer({ connectionsCheckingInterval: 60_000 }, (_, response) => response.end("ok"));
    checkConnectionsWhileConnected(server, 100);
    server.headersTimeout = 300;
    server.requestTimeout = 300;
    const port = await listening(server);
    try {
      const slow = await connected(port);
      let answer = "";
      let ended = false;
      slow.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
      slow.once("close", () => (ended = true));
      slow.write("GET /messages HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const started = Date.now();
      // Node's own timer (60 s here) never fires within the test: only the taken-over check can end it.
      await waitFor(() => ended, { timeoutMs: 2_000, intervalMs: 5, what: "the slow request to be ended" });
      const tookMs = Date.now() - started;
      assert.match(answer, /^HTTP\/1\.1 408 /, "Node answers 408 Request Timeout, as its own check does");
      assert.ok(tookMs >= 250 && tookMs < 2_000, `ended after ${tookMs} ms, headersTimeout 300 ms, checked every 100 ms`);
    } finally {
      await closed(server);
    }
  });
});
