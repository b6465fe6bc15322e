import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHECKS } from "../../src/probe/catalogue.js";
import { renderJson, renderText } from "../../src/probe/render.js";
import { CheckBook, exitCodeOf, summarize, type ProbeReport } from "../../src/probe/report.js";

function reportOf(book: CheckBook, unreachable: string | null = null): ProbeReport {
  const checks = book.results(1000);
  const { summary, passed } = summarize(checks);
  return {
    target: { host: "198.18.0.2", address: "198.18.0.2", port: 9876, http: "http://198.18.0.2:8000", peerId: "student" },
    probe: { peerId: "probe-abc", udpPort: 9876, listening: "TCP 0.0.0.0:9876", stress: false, timeoutMs: 3000 },
    startedAt: new Date(0).toISOString(),
    durationMs: 1234,
    unreachable,
    checks,
    summary,
    passed,
    exitCode: exitCodeOf({ passed, unreachable }),
  };
}

describe("the probe's report", () => {
  it("lists every check of the catalogue once, in order, with a known section", () => {
    const ids = CHECKS.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    const results = new CheckBook().results(100);
    assert.deepEqual(results.map((r) => r.id), ids);
    assert.ok(results.every((r) => r.verdict === "n/a" && r.detail === "not run"));
    assert.ok(results.every((r) => r.required === (r.section === "protocol")));
  });

  it("keeps a check's first verdict", () => {
    const book = new CheckBook();
    book.get("tcp-hello").fail("no answer");
    book.get("tcp-hello").pass("answered later");
    assert.equal(book.get("tcp-hello").verdict, "fail");
    book.skipRemaining((c) => c.definition.section === "tolerance", "skipped");
    const results = book.results(100);
    assert.ok(results.filter((r) => r.section === "tolerance").every((r) => r.verdict === "n/a" && r.detail === "skipped"));
    assert.equal(results.find((r) => r.id === "tcp-hello")?.verdict, "fail");
  });

  it("exits 1 only for a failed protocol check, 2 when the target was unreachable", () => {
    const flagged = new CheckBook();
    flagged.get("tcp-hello").pass("ok");
    flagged.get("sends-line-terminated").fail("no line ends");
    flagged.get("accepts-pretty").fail("error reply");
    assert.equal(reportOf(flagged).exitCode, 0);

    const failed = new CheckBook();
    failed.get("new-message-ack").fail("no answer within 3000 ms (timeout)");
    assert.equal(reportOf(failed).exitCode, 1);
    assert.equal(reportOf(failed, "connection refused").exitCode, 2);
  });

  it("renders failures as FAIL in the protocol section and as FLAG outside it, with the evidence", () => {
    const book = new CheckBook();
    const ack = book.get("new-message-ack");
    ack.sent("tcp#1", Buffer.from('{"command":"new_message"}\n'));
    ack.note("tcp#1", "(nothing within 3000 ms)");
    ack.fail("expected {\"status\":\"ok\"}, got no answer within 3000 ms (timeout)");
    const line = book.get("sends-line-terminated");
    line.received("tcp#1", () => Buffer.from('{"status":"ok"}'));
    line.fail("1 of 1 frames have no line end");
    const text = renderText(reportOf(book));
    assert.match(text, /PROTOCOL[^\n]*\n(.*\n)*  FAIL  new-message-ack .*\n +expected .*timeout\)\n +tcp#1 +> \{"command":"new_message"\}\\n\n +tcp#1 +\(nothing within 3000 ms\)/);
    assert.match(text, /  FLAG  sends-line-terminated/);
    assert.ok(text.indexOf("PROTOCOL") < text.indexOf("TOLERANCE") && text.indexOf("TOLERANCE") < text.indexOf("CONVENTIONS"));
    assert.match(text, /RESULT: FAILS the protocol: new-message-ack \(exit 1\)/);
    assert.match(text, /conventions +0 passed, 1 flagged/);

    const json = JSON.parse(renderJson(reportOf(book))) as ProbeReport;
    assert.equal(json.exitCode, 1);
    assert.deepEqual(json.checks.find((c) => c.id === "new-message-ack")?.evidence[0],
      { channel: "tcp#1", dir: "sent", text: '{"command":"new_message"}\\n' });
  });

  it("says when the target was unreachable", () => {
    const book = new CheckBook();
    book.get("tcp-hello").fail("cannot connect to 198.18.0.2:9876: connection refused");
    const text = renderText(reportOf(book, "cannot connect to 198.18.0.2:9876: connection refused"));
    assert.match(text, /TARGET UNREACHABLE: cannot connect/);
    assert.match(text, /RESULT: target unreachable over TCP \(exit 2\)/);
  });
});
