import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Discovery } from "../../src/discovery/discovery.js";
import { RepeatedDatagrams } from "../../src/discovery/repeated-datagrams.js";
import { freePort, LogCapture, loopbackHosts, udpProbe, type UdpProbe } from "../support/loopback.js";
import { sleep, waitFor } from "../support/wait.js";

const bytes = (frame: object) => Buffer.from(`${JSON.stringify(frame)}\n`);
const HELLO = bytes({ command: "hello", peer_id: "x" });
const ANSWER = bytes({ status: "ok", peer_id: "x" });

describe("RepeatedDatagrams", () => {
  it("knows the last hello and the last answer of an address again, byte for byte, and nothing else", () => {
    const repeated = new RepeatedDatagrams(10, 1_024);
    assert.equal(repeated.match("198.18.0.1", HELLO), undefined);
    repeated.note("198.18.0.1", HELLO, { peerId: "x", isHello: true });
    repeated.note("198.18.0.1", ANSWER, { peerId: "x", isHello: false });
    assert.deepEqual(repeated.match("198.18.0.1", Buffer.from(HELLO)), { peerId: "x", isHello: true });
    assert.deepEqual(repeated.match("198.18.0.1", Buffer.from(ANSWER)), { peerId: "x", isHello: false });
    assert.equal(repeated.match("198.18.0.2", HELLO), undefined, "another address");
    assert.equal(repeated.match("198.18.0.1", bytes({ command: "hello", peer_id: "y" })), undefined, "other bytes");
    assert.equal(repeated.match("198.18.0.1", HELLO.subarray(0, HELLO.length - 1)), undefined, "without its newline");
  });

  it("keeps a copy: the buffer a datagram came in may be reused", () => {
    const repeated = new RepeatedDatagrams(10, 1_024);
    const received = Buffer.from(HELLO);
    repeated.note("198.18.0.1", received, { peerId: "x", isHello: true });
    received.fill(0x20);
    assert.deepEqual(repeated.match("198.18.0.1", HELLO), { peerId: "x", isHello: true });
  });

  it("forgets what an address said as another peer_id once it says a new one", () => {
    const repeated = new RepeatedDatagrams(10, 1_024);
    repeated.note("198.18.0.1", HELLO, { peerId: "x", isHello: true });
    repeated.note("198.18.0.1", ANSWER, { peerId: "x", isHello: false });
    const renamed = bytes({ command: "hello", peer_id: "x2" });
    repeated.note("198.18.0.1", renamed, { peerId: "x2", isHello: true });
    assert.deepEqual(repeated.match("198.18.0.1", renamed), { peerId: "x2", isHello: true });
    assert.equal(repeated.match("198.18.0.1", HELLO), undefined);
    assert.equal(repeated.match("198.18.0.1", ANSWER), undefined, "the old id's answer too");
  });

  it("holds no datagram longer than its limit, and no more addresses than its limit", () => {
    const repeated = new RepeatedDatagrams(3, 64);
    const long = bytes({ command: "hello", peer_id: "x", padding: "p".repeat(100) });
    repeated.note("198.18.0.1", long, { peerId: "x", isHello: true });
    assert.equal(repeated.match("198.18.0.1", long), undefined);
    assert.equal(repeated.size, 0);
    for (let i = 1; i <= 3; i++) repeated.note(`198.18.0.${i}`, HELLO, { peerId: "x", isHello: true });
    assert.equal(repeated.size, 3);
    repeated.note("198.18.0.4", HELLO, { peerId: "x", isHello: true });
    assert.equal(repeated.size, 1, "full: started over with the newcomer");
    assert.deepEqual(repeated.match("198.18.0.4", HELLO), { peerId: "x", isHello: true });
    assert.equal(repeated.match("198.18.0.1", HELLO), undefined);
  });
});

/** Discovery with its checks skipped for a datagram said again: it must still do all it did. */
describe("Discovery: a datagram said again", () => {
  let discovery: Discovery;
  let probe: UdpProbe;
  let port: number;
  let host: string;
  let probeHost: string;
  const seen: string[] = [];
  let answers: string[];

  before(async () => {
    [host, probeHost] = loopbackHosts(2) as [string, string];
    port = await freePort();
    discovery = new Discovery({
      peerId: "me",
      port,
      bindAddress: host,
      broadcastAddress: host,
      logger: new LogCapture().logger("d"),
      onPeer: (peerId, address, via) => seen.push(`${peerId}@${address} ${via}`),
    });
    await discovery.start();
    probe = await udpProbe(probeHost);
    answers = probe.received;
  });
  after(async () => {
    probe.close();
    await discovery.stop();
  });

  const send = (data: Buffer | string) => probe.send(data, port, host);

  it("sees the peer and answers its hello every time, however often the same bytes come", async () => {
    for (let i = 0; i < 3; i++) await send(HELLO);
    await waitFor(() => answers.length === 3, { timeoutMs: 2_000, what: "three answers" });
    assert.deepEqual(seen.splice(0), Array(3).fill(`x@${probeHost} udp-hello`));
    assert.deepEqual(answers, Array(3).fill('{"status":"ok","peer_id":"me"}\n'));
  });

  it("tells an answer said again from a hello said again: seen, not answered", async () => {
    const before = answers.length;
    for (let i = 0; i < 2; i++) await send(ANSWER);
    await waitFor(() => seen.length === 2, { timeoutMs: 2_000, what: "the answers seen" });
    assert.deepEqual(seen.splice(0), Array(2).fill(`x@${probeHost} udp-answer`));
    await sleep(50);
    assert.equal(answers.length, before, "an answer is not answered");
  });

  it("checks what an address says anew once its bytes change: a new peer_id, garbage, our own id", async () => {
    await send(bytes({ command: "hello", peer_id: "x2" }));
    await waitFor(() => seen.length === 1, { timeoutMs: 2_000, what: "the new peer_id" });
    assert.deepEqual(seen.splice(0), [`x2@${probeHost} udp-hello`]);
    const before = answers.length;
    await send('{"command":"hello","peer_id":"x2"');
    await send(bytes({ command: "hello", peer_id: "me" }));
    await send(bytes({ command: "dance", peer_id: "x2" }));
    await sleep(100);
    assert.deepEqual(seen, [], "nothing seen");
    assert.equal(answers.length, before, "nothing answered");
    await send(bytes({ command: "hello", peer_id: "x2" }));
    await waitFor(() => seen.length === 1, { timeoutMs: 2_000, what: "the good hello again" });
  });
});
