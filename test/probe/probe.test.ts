// The whole probe over real sockets on loopback: against p2pchat's own node (everything passes)
// and against a sloppy peer whose faults each probe check must catch.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import type { ProbeReport } from "../../src/probe/report.js";
import { runProbe, type ProbeOptions } from "../../src/probe/run.js";
import { freePort, loopbackHosts } from "../support/loopback.js";
import { startLoopbackNode } from "../support/loopback-node.js";
import { SloppyPeer } from "./sloppy-peer.js";

const HEAVY = ["history-limit", "accepts-byte-per-write", "accepts-burst", "accepts-large-message"];

function options(target: string, port: number, http: string, probeHost: string, extra: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    host: target, port, http: new URL(http), bindAddress: probeHost,
    timeoutMs: 1_000, stress: false, peerId: "probe-test", ...extra,
  };
}

function verdictOf(report: ProbeReport, id: string): { verdict: string; detail: string } {
  const check = report.checks.find((c) => c.id === id);
  assert.ok(check, `no check ${id}`);
  return check;
}

function assertAllPass(report: ProbeReport, except: string[] = []): void {
  for (const check of report.checks) {
    if (except.includes(check.id)) continue;
    if (!report.probe.stress && HEAVY.includes(check.id) && check.verdict === "n/a") continue;
    assert.equal(check.verdict, "pass", `${check.id}: ${check.detail}`);
  }
}

describe("p2pchat probe on loopback", () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("finds p2pchat's own node following the protocol in every check, and --stress too", async () => {
    const [nodeHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const { node, httpBase } = await startLoopbackNode(nodeHost, { peerId: "node", port });
    cleanups.push(() => node.stop());

    const gentle = await runProbe(options(nodeHost, port, httpBase, probeHost));
    assertAllPass(gentle);
    assert.equal(gentle.exitCode, 0);
    assert.equal(gentle.target.peerId, "node");
    assert.ok(gentle.durationMs < 5_000, `gentle run took ${gentle.durationMs} ms`);
    // What it did to the node: one message stored, one sent through /send, nothing malformed kept.
    const fromProbe = Object.entries(node.history.toJSON()).filter(([, m]) => m.peer_id === "probe-test");
    assert.deepEqual(fromProbe.map(([, m]) => m.message).sort(), [
      "p2pchat probe probe-test: numeric message_id",
      "p2pchat probe probe-test: žluťoučký kůň úpěl ✓",
    ]);

    const stress = await runProbe(options(nodeHost, port, httpBase, probeHost, { stress: true, peerId: "probe-stress" }));
    assertAllPass(stress);
    assert.match(verdictOf(stress, "history-limit").detail, /holds 100/);
    assert.equal(node.history.size, 100);
  });

  it("fails the history limit of a node that keeps 150 messages (--stress)", async () => {
    const [nodeHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const { node, httpBase } = await startLoopbackNode(nodeHost, { peerId: "hoarder", port, historyLimit: 150 });
    cleanups.push(() => node.stop());
    const report = await runProbe(options(nodeHost, port, httpBase, probeHost, { stress: true }));
    assert.equal(verdictOf(report, "history-limit").verdict, "fail");
    assert.match(verdictOf(report, "history-limit").detail, /holds 1[0-9]{2} messages after 105 new ones/);
    assertAllPass(report, ["history-limit"]);
    assert.equal(report.exitCode, 1);
  });

  it("catches each fault of a sloppy peer, in the right section", async () => {
    const [peerHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const peer = await SloppyPeer.start(peerHost, port, "sloppy", {
      silentUdp: true, noConnectBack: true, acceptBeforeHello: true, storeBadIds: true,
      closeOnGarbage: true, answerStatus: true, lineReader: true, wrappedHttp: true,
    });
    cleanups.push(() => peer.stop());
    const report = await runProbe(options(peerHost, port, peer.httpBase, probeHost, { timeoutMs: 500 }));
    const expected: Record<string, [string, RegExp?]> = {
      "udp-hello": ["fail", /no answer within 500 ms \(timeout\)/],
      "tcp-hello": ["pass"],
      "new-message-ack": ["pass"],
      "new-message-stored": ["pass"],
      "before-hello-refused": ["fail", /accepted it/],
      "error-unknown-command": ["pass"],
      "error-bad-id": ["fail", /accepted it/],
      "error-no-message": ["pass"],
      "error-not-json": ["fail", /closed the connection instead of answering with an error/],
      "error-not-object": ["pass"],
      "usable-after-errors": ["fail", /closed tcp#\d+ after error-not-json/],
      "connects-back": ["fail", /no connection to the probe's port/],
      "history-shape": ["fail", /"12345": id is not 13\+ digits/],
      "http-messages": ["pass", /wrapped in \{"messages":\.\.\.\}/],
      "http-send": ["pass"],
      "sends-to-peers": ["n/a", /did not connect back/],
      "accepts-crlf": ["pass"],
      "accepts-no-terminator": ["fail", /no answer within 500 ms/],
      "accepts-split": ["pass"],
      "accepts-glued": ["pass"],
      "accepts-pretty": ["fail", /closed the connection/],
      "accepts-numeric-id": ["pass"],
      "ignores-status-frames": ["fail", /answered it with/],
      "sends-line-terminated": ["pass"],
      "sends-compact": ["pass"],
      "udp-from-port": ["n/a"],
      "http-bare-history": ["fail", /\{"messages":\{\.\.\.\}\}/],
    };
    for (const [id, [verdict, detail]] of Object.entries(expected)) {
      const found = verdictOf(report, id);
      assert.equal(found.verdict, verdict, `${id}: ${found.detail}`);
      if (detail) assert.match(found.detail, detail, id);
    }
    assert.equal(report.exitCode, 1);
    // Stored though it should not have been: the bad id and the message before hello.
    assert.ok([...peer.history.keys()].includes("12345"));
  });

  it("tells a peer whose ids are microseconds, and whose hello reply is larger than common peers read", async () => {
    const [peerHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const peer = await SloppyPeer.start(peerHost, port, "wrong-clock", { microsecondIds: true, bigHistory: true });
    cleanups.push(() => peer.stop());
    const report = await runProbe(options(peerHost, port, peer.httpBase, probeHost, { timeoutMs: 2_000 }));
    const ids = verdictOf(report, "ids-milliseconds");
    assert.equal(ids.verdict, "fail", ids.detail);
    assert.match(ids.detail, /16 digits: it looks like microseconds/);
    const size = verdictOf(report, "hello-reply-size");
    assert.equal(size.verdict, "fail", size.detail);
    assert.match(size.detail, /its hello reply is 5\.9 MiB: the reference peer refuses any frame over 4 MiB/);
  });

  it("reports the checks that need the protocol port as not applicable when it is taken", async () => {
    const [nodeHost, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const { node, httpBase } = await startLoopbackNode(nodeHost, { peerId: "node", port });
    cleanups.push(() => node.stop());
    // A peer already running on the probe's host holds both.
    const held: Socket[] = [];
    const tcp = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => tcp.listen({ host: probeHost, port }, resolve));
    const udp = createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind({ address: probeHost, port }, resolve));
    cleanups.push(() => {
      for (const socket of held) socket.destroy();
      return new Promise((resolve) => tcp.close(resolve));
    }, () => new Promise((resolve) => udp.close(() => resolve(undefined))));

    const report = await runProbe(options(nodeHost, port, httpBase, probeHost));
    assert.equal(report.exitCode, 0);
    for (const id of ["connects-back", "sends-to-peers"]) {
      assert.equal(verdictOf(report, id).verdict, "n/a", id);
      assert.match(verdictOf(report, id).detail, new RegExp(`TCP port ${port} is in use on this host`));
    }
    assert.equal(verdictOf(report, "udp-hello").verdict, "pass");
    assert.notEqual(report.probe.udpPort, port);
    // Without the back channel the target sends no new_message, so its ids cannot be judged.
    assertAllPass(report, ["connects-back", "sends-to-peers", "new-message-peer-id", "ids-milliseconds"]);
  });

  it("exits 2 when nothing listens at the target", async () => {
    const [target, probeHost] = loopbackHosts(2) as [string, string];
    const port = await freePort();
    const report = await runProbe(options(target, port, `http://${target}:${port}`, probeHost, { timeoutMs: 300 }));
    assert.equal(report.exitCode, 2);
    assert.match(report.unreachable ?? "", /connection refused/);
    assert.equal(verdictOf(report, "tcp-hello").verdict, "fail");
    assert.equal(verdictOf(report, "udp-hello").verdict, "fail");
    assert.equal(verdictOf(report, "new-message-ack").verdict, "n/a");
    assert.match(verdictOf(report, "new-message-ack").detail, /no TCP connection/);
  });
});
