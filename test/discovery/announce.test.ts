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
