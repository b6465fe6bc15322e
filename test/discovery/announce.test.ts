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

describe("Discovery: unicast hellos", () => {
  /** A peer at `address`: it counts the hellos it gets and, if `answers`, answers each as peers do. */
  async function peerAt(address: string, port: number, answers: boolean) {
    const socket = createSocket("udp4");
    const hellos: string[] = [];
    socket.on("message", (data, from) => {
      hellos.push(data.toString());
      if (answers) socket.send(`{"status":"ok","peer_id":"at-${address}"}\n`, from.port, from.address);
    });
    await new Promise<void>((resolve) => socket.bind(port, address, resolve));
    return { hellos, close: () => socket.close() };
  }

  it("go only to the static and remembered peers that did not answer the broadcast", async () => {
    const [host, lanPeer, farPeer] = loopbackHosts(3) as [string, string, string];
    const port = await freePort();
    // The broadcast reaches lanPeer only (on loopback the "broadcast address" is its address).
    const lan = await peerAt(lanPeer, port, true);
    const far = await peerAt(farPeer, port, true);
    const answered: string[] = [];
    const discovery = new Discovery({
      peerId: "announcer", port, bindAddress: host, broadcastAddress: lanPeer, logger: new LogCapture().logger("d"),
      unicastTargets: () => Promise.resolve([{ address: lanPeer, port }, { address: farPeer, port }]),
      onPeer: (_peerId, address, via) => via === "udp-answer" && answered.push(address),
    });
    try {
      await discovery.start();
      discovery.startHellos();
      await waitFor(() => far.hellos.length > 0, { timeoutMs: 2_000, what: "the unicast hello across" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(lan.hellos.length, 1, "the peer that answered the broadcast got no unicast hello");
      assert.equal(far.hellos.length, 1, "the peer the broadcast does not reach got one");
      assert.deepEqual(answered.sort(), [farPeer, lanPeer].sort());
    } finally {
      await discovery.stop();
      lan.close();
      far.close();
    }
  });

  it("go to every target, at once, when there is no broadcast, and to one that does not answer hellos", async () => {
    const [host, silent, other] = loopbackHosts(3) as [string, string, string];
    const port = await freePort();
    const quiet = await peerAt(silent, port, false);
    const second = await peerAt(other, port, true);
    // No interface to broadcast on: unicast only, without waiting for answers.
    const unicastOnly = new Discovery({
      peerId: "announcer", port, bindAddress: host, broadcastAddress: "", interfaces: () => [],
      logger: new LogCapture().logger("d"),
      unicastTargets: () => Promise.resolve([{ address: silent, port }, { address: other, port }]),
    });
    try {
      await unicastOnly.start();
      const sent = Date.now();
      unicastOnly.startHellos();
      await waitFor(() => quiet.hellos.length > 0 && second.hellos.length > 0, { timeoutMs: 2_000, what: "both unicast hellos" });
      assert.ok(Date.now() - sent < 200, "sent at once, not after the wait for a broadcast's answers");
    } finally {
      await unicastOnly.stop();
    }
    // A broadcast to the silent peer: no answer, so it gets the unicast hello too.
    const quietBefore = quiet.hellos.length;
    const broadcasting = new Discovery({
      peerId: "announcer", port, bindAddress: host, broadcastAddress: silent, logger: new LogCapture().logger("d"),
      unicastTargets: () => Promise.resolve([{ address: silent, port }]),
    });
    try {
      await broadcasting.start();
      broadcasting.startHellos();
      await waitFor(() => quiet.hellos.length >= quietBefore + 2, { timeoutMs: 2_000, what: "the broadcast and the unicast hello" });
    } finally {
      await broadcasting.stop();
      quiet.close();
      second.close();
    }
  });
});
