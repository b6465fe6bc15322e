import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { EventStreamParser } from "../../src/http/sse-parser.js";
import { encodeEvent, EventStream, type EventStreamOptions } from "../../src/http/sse.js";
import { LogCapture, loopbackHosts } from "../support/loopback.js";
import { openEvents } from "../support/events.js";
import { waitFor } from "../support/wait.js";

describe("event stream parser", () => {
  const stream =
    "retry: 2000\n: p2pchat events\n\n" +
    encodeEvent("message", { id: "1707243010934", peer_id: "a", message: "Žluť 🐴\nline two\r\n" }) +
    "event: peer\r\ndata: {\"x\":1}\r\n\r\n" +
    "data: first\rdata: second\r\r" +
    ": heartbeat\n\n";

  it("reads events, comments and retry at every split of the stream", () => {
    const whole = new EventStreamParser().push(stream);
    assert.deepEqual(whole.map((e) => e.event), ["message", "peer", "message"]);
    assert.deepEqual(JSON.parse(whole[0]!.data), { id: "1707243010934", peer_id: "a", message: "Žluť 🐴\nline two\r\n" });
    assert.equal(whole[2]!.data, "first\nsecond");
    for (let split = 0; split <= stream.length; split++) {
      const parser = new EventStreamParser();
      const events = [...parser.push(stream.slice(0, split)), ...parser.push(stream.slice(split))];
      assert.deepEqual(events, whole, `split at ${split}`);
      assert.equal(parser.retryMs, 2000);
    }
    const parser = new EventStreamParser();
    assert.deepEqual([...stream].flatMap((c) => parser.push(c)), whole, "one character at a time");
  });

  it("encodes an event's data on one line, whatever the text holds", () => {
    const chunk = encodeEvent("message", { message: "a\nb\rc\u2028d" });
    assert.equal(chunk.split("\n").length, 4); // event, data, blank, ""
    assert.doesNotMatch(chunk.slice(0, -2), /\r|\n\n/);
  });
});

describe("EventStream", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  async function serve(options: Partial<EventStreamOptions> = {}) {
    const logs = new LogCapture();
    const hub = new EventStream({ logger: logs.logger("sse"), ...options });
    const server = createServer((req, res) => hub.handle(req, res));
    servers.push(server);
    const [host] = loopbackHosts(1) as [string];
    await new Promise<void>((resolve) => server.listen({ host, port: 0 }, resolve));
    const { port } = server.address() as AddressInfo;
    return { hub, logs, host, port, url: `http://${host}:${port}/events` };
  }

  it("opens with retry and a comment, delivers events to every client, and forgets closed ones", async () => {
    const { hub, url } = await serve();
    const one = await openEvents(url);
    const two = await openEvents(url);
    assert.equal(one.status, 200);
    assert.match(String(one.headers["content-type"]), /^text\/event-stream; charset=utf-8/);
    assert.equal(one.headers["cache-control"], "no-store");
    await waitFor(() => one.raw().startsWith("retry: 2000\n:"), { timeoutMs: 1_000, what: "the opening lines" });
    await waitFor(() => hub.clientCount === 2, { timeoutMs: 1_000, what: "two clients" });
    hub.publish("message", { id: "1", message: "ahoj" });
    for (const client of [one, two]) {
      const event = await client.find((e) => e.event === "message", "the message");
      assert.deepEqual(JSON.parse(event.data), { id: "1", message: "ahoj" });
    }
    one.close();
    await waitFor(() => hub.clientCount === 1, { timeoutMs: 1_000, what: "the closed client forgotten" });
    hub.close();
    await two.closed;
    assert.equal(hub.clientCount, 0);
  });

  it("sends heartbeat comments while clients are open, and none when there are none", async () => {
    const { hub, url } = await serve({ heartbeatMs: 30 });
    const client = await openEvents(url);
    await waitFor(() => client.raw().split(": heartbeat\n\n").length > 3, { timeoutMs: 2_000, what: "three heartbeats" });
    client.close();
    await waitFor(() => hub.clientCount === 0, { timeoutMs: 1_000, what: "no clients" });
    assert.equal((hub as unknown as { heartbeat: unknown }).heartbeat, undefined, "heartbeat timer stopped");
    hub.close();
  });

  it("says when the first client comes and when the last goes, once each", async () => {
    const told: boolean[] = [];
    const { hub, url } = await serve({ onListening: (listening) => told.push(listening) });
    assert.deepEqual(told, []);
    const one = await openEvents(url);
    await waitFor(() => hub.clientCount === 1, { timeoutMs: 1_000, what: "one client" });
    const two = await openEvents(url);
    await waitFor(() => hub.clientCount === 2, { timeoutMs: 1_000, what: "two clients" });
    assert.deepEqual(told, [true]);
    one.close();
    await waitFor(() => hub.clientCount === 1, { timeoutMs: 1_000, what: "one client left" });
    assert.deepEqual(told, [true]);
    two.close();
    await waitFor(() => hub.clientCount === 0, { timeoutMs: 1_000, what: "no clients" });
    assert.deepEqual(told, [true, false]);
    const three = await openEvents(url);
    await waitFor(() => hub.clientCount === 1, { timeoutMs: 1_000, what: "a client again" });
    hub.close();
    await three.closed;
    assert.deepEqual(told, [true, false, true, false]);
  });

  it("refuses streams over maxClients with 503", async () => {
    const { hub, url } = await serve({ maxClients: 2 });
    const open = [await openEvents(url), await openEvents(url)];
    const third = await openEvents(url);
    assert.equal(third.status, 503);
    assert.equal(third.headers["retry-after"], "5");
    open.forEach((c) => c.close());
    hub.close();
  });

  it("cuts off a client that stops reading once maxBufferedBytes wait for it, and keeps serving the others", async (t) => {
    const { hub, logs, host, port, url } = await serve({ maxBufferedBytes: 256 * 1024 });
    const reader = await openEvents(url);
    // A client that sends its request and then never reads: the kernel buffers fill, then ours.
    const stalled = connect({ host, port });
    stalled.write(`GET /events HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    stalled.once("data", () => stalled.pause());
    await waitFor(() => hub.clientCount === 2, { timeoutMs: 1_000, what: "two clients" });

    const chunk = { message: "x".repeat(64 * 1024) };
    let published = 0;
    while (hub.clientCount === 2 && published < 1024) {
      hub.publish("message", chunk);
      published++;
      // The reading client takes each event before the next is sent, so only the stalled one lags.
      await waitFor(() => reader.events.length === published, { timeoutMs: 2_000, intervalMs: 1, what: `event ${published} read` });
    }
    assert.equal(hub.clientCount, 1, `the stalled client is still there after ${published} events of 64 KiB`);
    t.diagnostic(`stalled client dropped after ${published} events of 64 KiB (the rest sat in kernel buffers)`);
    assert.ok(logs.has(/event stream to .* dropped: over 262144 bytes unread/), logs.lines.join("\n"));
    hub.publish("message", { message: "after" });
    await reader.find((e) => e.data.includes('"after"'), "the event after the drop");
    stalled.destroy();
    reader.close();
    hub.close();
  });
});
