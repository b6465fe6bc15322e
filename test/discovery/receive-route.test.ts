import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, it } from "node:test";
import { receiveStraight, type DatagramSource } from "../../src/discovery/receive-route.js";
import { loopbackHosts } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

/** Datagrams straight from the UDP socket's handle (src/discovery/receive-route.ts), over real loopback sockets. */
describe("receiveStraight", () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  async function bound(host: string): Promise<Socket> {
    const socket = createSocket("udp4");
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return socket;
  }

  it("hands each datagram of a bound socket to the handler, with its source, and none to 'message'", async () => {
    const [listenerHost, senderHost] = loopbackHosts(2) as [string, string];
    const listener = await bound(listenerHost);
    const sender = await bound(senderHost);
    const straight: Array<{ text: string; source: DatagramSource }> = [];
    let events = 0;
    listener.on("message", () => events++);
    assert.equal(receiveStraight(listener, (data, source) => straight.push({ text: data.toString(), source })), true);
    for (const text of ["one", "two", "three"]) sender.send(text, listener.address().port, listenerHost);
    await waitFor(() => straight.length === 3, { timeoutMs: 2_000, what: "the three datagrams" });
    assert.deepEqual(straight.map((d) => d.text).sort(), ["one", "three", "two"]);
    for (const { source } of straight) {
      assert.equal(source.address, senderHost);
      assert.equal(source.port, sender.address().port);
    }
    assert.equal(events, 0, "no datagram went through the event as well");
  });

  it("leaves a socket that is not bound yet as it is: its datagrams come as events", () => {
    const socket = createSocket("udp4");
    sockets.push(socket);
    assert.equal(receiveStraight(socket, () => {}), false);
  });
});
