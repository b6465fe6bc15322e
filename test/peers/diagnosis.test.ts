import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_CODES, ERRORS, fillHint } from "../../src/errors.js";
import { diagnose, linkState } from "../../src/peers/diagnosis.js";
import type { PeerInfo } from "../../src/peers/peer.js";

const NOW = 1_700_000_000_000;

function peer(overrides: Partial<PeerInfo>): PeerInfo {
  return {
    peerId: "bob",
    address: "198.18.1.2",
    outbound: "down",
    inbound: 0,
    inboundAddresses: [],
    firstSeen: NOW - 60_000,
    lastSeen: NOW - 2_000,
    lastSeenVia: "udp-hello",
    gone: false,
    queued: 0,
    lastError: undefined,
    established: false,
    clash: undefined,
    reach: { kind: "interface", name: "eth0" },
    ...overrides,
  };
}

const failed = (code: string, message = "why") => ({ lastError: { code, message, at: NOW - 1_000 } });
const context = { port: 9876, now: NOW };

describe("peer diagnosis", () => {
  it("names the four link states from the two connections of a pair (docs/protocol.md §2)", () => {
    assert.equal(linkState({ outbound: "connected", inbound: 1 }), "both");
    assert.equal(linkState({ outbound: "connected", inbound: 0 }), "outbound-only");
    assert.equal(linkState({ outbound: "connecting", inbound: 2 }), "inbound-only");
    assert.equal(linkState({ outbound: "down", inbound: 0 }), "none");
  });

  it("has no hint when both connections are up", () => {
    const d = diagnose(peer({ outbound: "connected", inbound: 1 }), context);
    assert.deepEqual(d, { state: "both", summary: "connected both ways", hint: undefined });
  });

  it("says a peer found moments ago is connecting, without blaming anything", () => {
    const d = diagnose(peer({ outbound: "connecting" }), context);
    assert.equal(d.state, "none");
    assert.match(d.summary, /connecting/);
    assert.equal(d.hint, undefined);
  });

  it("reads a refused TCP connect to a peer heard over UDP as its server not running or a firewall", () => {
    const d = diagnose(peer(failed("ECONNREFUSED")), context);
    assert.equal(d.hint, "answers UDP but refuses TCP on 9876: is its server running, or a firewall in the way?");
  });

  it("says 'connects to us' instead when the peer was last heard by its TCP hello, and that its messages still arrive", () => {
    const d = diagnose(peer({ ...failed("ECONNREFUSED"), inbound: 1, lastSeenVia: "tcp-hello" }), context);
    assert.equal(d.state, "inbound-only");
    assert.match(d.hint ?? "", /^connects to us but refuses TCP on 9876/);
    assert.match(d.hint ?? "", /Its messages reach us/);
  });

  it("gives each failure code its own plain reading, and names the configured port", () => {
    const cases: Array<[string, RegExp]> = [
      ["E_CONNECT_TIMEOUT", /no answer to our TCP connect on 7000: a firewall dropping packets/],
      ["ETIMEDOUT", /no answer to our TCP connect/],
      ["EHOSTUNREACH", /198\.18\.1\.2 cannot be reached from here/],
      ["ENETUNREACH", /cannot be reached from here/],
      ["E_HELLO_TIMEOUT", /accepts TCP on 7000 but never answers our hello/],
      ["E_ACK_TIMEOUT", /stopped acking our messages/],
      ["E_CLOSED_BY_PEER", /closed our connection/],
      ["ECONNRESET", /closed our connection/],
      ["E_FRAME_TOO_LARGE", /max_frame_bytes/],
      ["E_WRITE_BUFFER_FULL", /does not read what we send/],
    ];
    for (const [code, hint] of cases) {
      assert.match(diagnose(peer(failed(code)), { port: 7000, now: NOW }).hint ?? "", hint, code);
    }
  });

  it("reads each of our connection codes in the words of the errors catalogue", () => {
    const codes = ERROR_CODES.filter((code) => ERRORS[code].kind === "connection");
    assert.ok(codes.length >= 10);
    for (const code of codes) {
      const reason = code === "E_HELLO_REFUSED" ? "no thanks" : "the words";
      const message = code === "E_HELLO_REFUSED" ? `hello refused: ${reason}` : reason;
      assert.equal(diagnose(peer(failed(code, message)), context).hint, fillHint(code, { port: 9876, address: "198.18.1.2", reason }), code);
    }
  });

  it("reads operating-system codes that mean the same as one of ours in that code's words", () => {
    const hint = (code: string) => diagnose(peer(failed(code)), context).hint;
    assert.equal(hint("ETIMEDOUT"), fillHint("E_CONNECT_TIMEOUT", { port: 9876 }));
    assert.equal(hint("ECONNRESET"), ERRORS.E_CLOSED_BY_PEER.hint);
    assert.equal(hint("EPIPE"), ERRORS.E_CLOSED_BY_PEER.hint);
  });

  it("quotes the peer's own words when it refuses our hello", () => {
    const d = diagnose(peer(failed("E_HELLO_REFUSED", "hello refused: unknown peer")), context);
    assert.match(d.hint ?? "", /answered our hello with an error \(unknown peer\)/);
  });

  it("falls back to the error's own words for a code it does not know", () => {
    const d = diagnose(peer(failed("E_SOMETHING_NEW", "the new failure")), context);
    assert.equal(d.hint, "our connection failed: the new failure (E_SOMETHING_NEW).");
  });

  it("says how long a peer that stopped announcing itself has been silent", () => {
    const d = diagnose(peer({ ...failed("ECONNREFUSED"), gone: true, lastSeen: NOW - 42_000 }), context);
    assert.match(d.hint ?? "", /^not heard from for 42 s: switched off/);
  });

  it("explains a one-way pair where only our connection works", () => {
    const d = diagnose(peer({ outbound: "connected", inbound: 0 }), context);
    assert.equal(d.state, "outbound-only");
    assert.match(d.hint ?? "", /has not connected back to us: .*UDP hellos on port 9876/);
  });
});
