import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { ChatNode } from "../../src/node.js";
import { freePort, loopbackHosts, udpProbe, type UdpProbe } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { canSendRaw, sendRawUdp } from "../support/raw-udp.js";
import { sleep, waitFor } from "../support/wait.js";

/** docs/protocol.md "What real peers do": anything but a good hello or answer over UDP is ignored. */
describe("UDP input", () => {
  let node: ChatNode;
  let socket: UdpProbe;
  let port: number;
  let nodeHost: string;
  let probeHost: string;
  let replies: string[];

  before(async () => {
    [nodeHost, probeHost] = loopbackHosts(2) as [string, string];
    port = await freePort();
    ({ node } = await startLoopbackNode(nodeHost, { peerId: "node", port }));
    socket = await udpProbe(probeHost);
    replies = socket.received;
  });
  after(async () => {
    socket.close();
    await node.stop();
  });

  const send = (data: string | Buffer) => socket.send(data, port, nodeHost);

  const bad: Array<[string, string | Buffer]> = [
    ["random bytes", randomBytes(512)],
    ["a 64 KB datagram", Buffer.alloc(65_000, "{")],
    ["JSON that is not an object", "[\"hello\"]"],
    ["a number", "42"],
    ["wrong types", JSON.stringify({ command: 1, peer_id: ["a"] })],
    ["missing peer_id", JSON.stringify({ command: "hello" })],
    ["empty peer_id", JSON.stringify({ command: "hello", peer_id: "" })],
    ["blank peer_id", JSON.stringify({ command: "hello", peer_id: "   " })],
    ["a 10 KB peer_id", JSON.stringify({ command: "hello", peer_id: "p".repeat(10_240) })],
    ["an unknown command", JSON.stringify({ command: "dance", peer_id: "x" })],
    ["a status that is not ok", JSON.stringify({ status: "error", peer_id: "x" })],
    ["two objects", '{"command":"hello","peer_id":"a"}{"command":"hello","peer_id":"b"}'],
    ["truncated JSON", '{"command":"hello","peer_id":"tr'],
    ["5,000 levels of nesting", `{"command":"hello","peer_id":"deep","x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`],
  ];

  for (const [what, data] of bad) {
    it(`ignores ${what}: no answer, no peer`, async () => {
      const before = replies.length;
      const peers = node.peers.list().length;
      await send(data);
      await sleep(100);
      assert.equal(replies.length, before, "no reply");
      assert.equal(node.peers.list().length, peers, "no new peer");
    });
  }

  it("still answers a good hello after all that", async () => {
    await send(JSON.stringify({ command: "hello", peer_id: "good" }));
    await waitFor(() => replies.includes('{"status":"ok","peer_id":"node"}\n'), { timeoutMs: 2_000, what: "the answer" });
  });

  it("survives a hello from source port 0, which cannot be answered, and still learns the peer", async (t) => {
    if (!canSendRaw()) return t.skip("raw sockets need root");
    await sendRawUdp({ from: probeHost, fromPort: 0, to: nodeHost, toPort: port, payload: JSON.stringify({ command: "hello", peer_id: "portless" }) });
    await waitFor(() => node.peers.list().some((p) => p.peerId === "portless"), { timeoutMs: 2_000, what: "the peer from port 0" });
    // Still alive and answering.
    const before = replies.length;
    await send(JSON.stringify({ command: "hello", peer_id: "after-port-0" }));
    await waitFor(() => replies.length > before, { timeoutMs: 2_000, what: "an answer after the port-0 hello" });
  });

  it("ignores a hello carrying our own peer_id", async () => {
    const before = replies.length;
    await send(JSON.stringify({ command: "hello", peer_id: "node" }));
    await sleep(100);
    assert.deepEqual(replies.slice(before), []);
    assert.equal(node.peers.list().some((p) => p.peerId === "node"), false);
  });
});
