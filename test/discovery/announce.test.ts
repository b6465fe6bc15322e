import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { describe, it } from "node:test";
import { Discovery } from "../../src/discovery/discovery.js";
import { freePort, LogCapture, loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Starts discovery on `host`, its hellos going where `broadcastAddress` says; returns how often it read the interfaces. */
async function announceOnce(host: string, target: string, broadcastAddress: string): Promise<{ reads: number; heard: string[] }> {
  const port = await freePort();
  const listener = createSocket("udp4");
  const heard: string[] = [];
  listener.on("message", (data) => heard.push(data.toString()));
  await new Promise<void>((resolve) => listener.bind(port, target, resolve));
  let reads = 0;
  const discovery = new Discovery({
    peerId: "announcer",
    port,
    bindAddress: host,
    broadcastAddress,
    logger: new LogCapture().logger("d"),
    interfaces: () => {
      reads++;
      return [{ name: "lan0", address: host, netmask: "255.255.255.0", broadcast: target }];
    },
  });
  try {
    await discovery.start();
    discovery.startHellos();
    await waitFor(() => heard.length > 0, { timeoutMs: 2_000, what: "the hello to arrive" });
    return { reads, heard };
  } finally {
    await discovery.stop();
    listener.close();
  }
}

describe("Discovery: where a hello goes", () => {
  it("with no broadcast address configured, reads the interfaces for every hello and sends to each one's", async () => {
    const [host, target] = loopbackHosts(2) as [string, string];
    const { reads, heard } = await announceOnce(host, target, "");
    assert.equal(reads, 1);
    assert.deepEqual(JSON.parse(heard[0]!), { command: "hello", peer_id: "announcer" });
  });

  it("with one configured, sends there without reading the interfaces (at idle that reading was most of a hello's cost)", async () => {
    const [host, target] = loopbackHosts(2) as [string, string];
    const { reads, heard } = await announceOnce(host, target, target);
    assert.equal(reads, 0);
    assert.deepEqual(JSON.parse(heard[0]!), { command: "hello", peer_id: "announcer" });
  });
});

describe("Discovery: when the first hello goes", () => {
  it("not at start(): at startHellos(), once however often called, and never after stop()", async () => {
    const [host, target] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const listener = createSocket("udp4");
    const heard: string[] = [];
    listener.on("message", (data) => heard.push(data.toString()));
    await new Promise<void>((resolve) => listener.bind(port, target, resolve));
    const options = { peerId: "announcer", port, bindAddress: host, broadcastAddress: target, logger: new LogCapture().logger("d") };
    const discovery = new Discovery(options);
    const stoppedFirst = new Discovery({ ...options, port: await freePort() });
    try {
      await discovery.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(heard, [], "start() binds, and says nothing");
      discovery.startHellos();
      discovery.startHellos();
      await waitFor(() => heard.length > 0, { timeoutMs: 2_000, what: "the hello to arrive" });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(heard.length, 1, "one hello: the interval is 5 s");
      // A daemon stopped while it started: no hello, and no interval left to keep the process alive.
      await stoppedFirst.start();
      await stoppedFirst.stop();
      const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
      const before = timers();
      stoppedFirst.startHellos();
      assert.equal(timers(), before, "no interval armed after stop()");
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(heard.length, 1, "a stopped discovery says no hello");
    } finally {
      await discovery.stop();
      listener.close();
    }
  });
});

describe("Discovery: the answer to a hello", () => {
  it("goes after the peer is handled, and even when handling it failed", async () => {
    const [host, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const log = new LogCapture();
    const handled: string[] = [];
    const discovery = new Discovery({
      peerId: "answerer", port, bindAddress: host, broadcastAddress: host, logger: log.logger("d"),
      onPeer: (peerId) => {
        handled.push(peerId);
        throw new Error("the peer table failed");
      },
    });
    const probe = createSocket("udp4");
    const answers: string[] = [];
    probe.on("message", (data) => answers.push(data.toString()));
    try {
      await discovery.start();
      await new Promise<void>((resolve) => probe.bind(0, probeHost, resolve));
      probe.send(Buffer.from('{"command":"hello","peer_id":"asker"}\n'), port, host);
      await waitFor(() => answers.length > 0, { timeoutMs: 2_000, what: "the answer" });
      assert.deepEqual(answers, ['{"status":"ok","peer_id":"answerer"}\n']);
      assert.deepEqual(handled, ["asker"]);
      assert.ok(log.has(/handling a datagram from .* failed: .*the peer table failed/), log.lines.join("\n"));
    } finally {
      await discovery.stop();
      probe.close();
    }
  });
});
