import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, it } from "node:test";
import { lookupLiteral } from "../../src/discovery/literal-lookup.js";
import { sendsStraight, sendUnreported } from "../../src/discovery/send-route.js";
import { loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Sends straight to the UDP socket's handle (src/discovery/send-route.ts), over real loopback sockets. */
describe("sendUnreported", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A socket as discovery makes it: its lookup gives an address back within dgram's send(). */
  async function bound(host: string): Promise<Socket> {
    const socket = createSocket({ type: "udp4", lookup: lookupLiteral });
    // With such a lookup "listening" comes within bind(): too early for once().
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // closed by the test
      }
    }));
    return socket;
  }

  /** A sender and a listener, and what the listener heard. */
  async function pair(): Promise<{ sender: Socket; port: number; address: string; heard: string[] }> {
    const [from, to] = loopbackHosts(2) as [string, string];
    const sender = await bound(from);
    const listener = await bound(to);
    const heard: string[] = [];
    listener.on("message", (data) => heard.push(data.toString()));
    return { sender, port: listener.address().port, address: to, heard };
  }

  /** Counts the datagrams that went through dgram's send() instead of straight to the handle. */
  function countDgramSends(socket: Socket): { count: number } {
    const seen = { count: 0 };
    const send = socket.send.bind(socket) as (...args: unknown[]) => void;
    socket.send = ((...args: unknown[]) => {
      seen.count++;
      send(...args);
    }) as Socket["send"];
    return seen;
  }

  it("learns from one send through dgram, then hands datagrams straight to the handle, on this Node", async () => {
    const { sender, port, address, heard } = await pair();
    const dgram = countDgramSends(sender);
    sendUnreported(sender, Buffer.from("first"), port, address);
    const learning = dgram.count;
    for (const text of ["second", "third", "fourth"]) sendUnreported(sender, Buffer.from(text), port, address);
    assert.ok(learning <= 1, "at most the first datagram goes through dgram");
    assert.equal(dgram.count, learning, "once learned, every datagram goes straight to the handle");
    assert.equal(sendsStraight(), true);
    await waitFor(() => heard.length === 4, { timeoutMs: 2_000, what: "the four datagrams" });
    assert.deepEqual([...heard].sort(), ["first", "fourth", "second", "third"]);
  });

  it("drops a datagram the kernel refuses, throws nothing, and the socket goes on", async () => {
    const { sender, port, address, heard } = await pair();
    sendUnreported(sender, Buffer.from("learn"), port, address);
    // Larger than a UDP datagram can be: the kernel says EMSGSIZE.
    assert.doesNotThrow(() => sendUnreported(sender, Buffer.alloc(70_000, 0x61), port, address));
    sendUnreported(sender, Buffer.from("after"), port, address);
    await waitFor(() => heard.includes("after"), { timeoutMs: 2_000, what: "the datagram after the refused one" });
    assert.deepEqual([...heard].sort(), ["after", "learn"]);
  });

  it("throws as dgram does once the socket is closed", async () => {
    const { sender, port, address } = await pair();
    sendUnreported(sender, Buffer.from("learn"), port, address);
    sender.close();
    assert.throws(() => sendUnreported(sender, Buffer.from("late"), port, address), { code: "ERR_SOCKET_DGRAM_NOT_RUNNING" });
  });
});
