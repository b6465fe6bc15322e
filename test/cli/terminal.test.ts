import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { peersTable } from "../../src/cli/peers.js";
import {
  ago, colourWanted, createStyle, displayWidth, duration, messageDay, messageTime, safeJson, safeLine, safeText, table,
  truncate, wrap,
} from "../../src/cli/terminal.js";
import type { PeerView } from "../../src/http/wire.js";

describe("terminal output", () => {
  it("colours only a terminal, and never with NO_COLOR or TERM=dumb", () => {
    assert.equal(colourWanted({ isTTY: true }, {}), true);
    assert.equal(colourWanted({ isTTY: false }, {}), false);
    assert.equal(colourWanted({}, {}), false);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "" }), true, "an empty NO_COLOR does not count (no-color.org)");
    assert.equal(colourWanted({ isTTY: true }, { TERM: "dumb" }), false);
    assert.equal(createStyle(false).red("x"), "x");
    assert.equal(createStyle(true).red("x"), "\x1b[31mx\x1b[39m");
    assert.equal(createStyle(true).byName("bob", "b"), createStyle(true).byName("bob", "b"), "one colour per name");
  });

  it("turns a peer's control characters, escapes and bidi overrides into visible stand-ins", () => {
    assert.equal(safeText("a\x1b[2Jb\x07"), "a\u241b[2Jb\u2407");
    assert.equal(safeText("x\u202eevil\u2066"), "x<U+202E>evil<U+2066>");
    assert.equal(safeText("\x9b31m"), "<U+009B>31m", "C1 CSI");
    assert.equal(safeText("one\r\ntwo\rthree\nfour\tfive"), "one\ntwo\nthree\nfour    five");
    assert.equal(safeText("Žluťoučký kůň 🐴 <img src=x>"), "Žluťoučký kůň 🐴 <img src=x>");
    assert.equal(safeLine("a\nb"), "a\u2424b");
    const json = safeJson({ m: "\x1b[31m\u202e\x9b" });
    assert.doesNotMatch(json, /[\x1b\u202e\x9b]/);
    assert.deepEqual(JSON.parse(json), { m: "\x1b[31m\u202e\x9b" }, "still the same JSON");
  });

  it("counts emoji and wide characters as two columns, combining marks and colour codes as none", () => {
    assert.equal(displayWidth("kůň"), 3);
    assert.equal(displayWidth("ku\u030An\u030C"), 3, "decomposed diacritics");
    assert.equal(displayWidth("👋"), 2);
    assert.equal(displayWidth("👩‍👩‍👧"), 2, "a ZWJ family is one emoji");
    assert.equal(displayWidth("❤️"), 2, "text heart with the emoji selector");
    assert.equal(displayWidth("漢字"), 4);
    assert.equal(displayWidth("\x1b[31mred\x1b[39m"), 3);
    assert.equal(truncate("abcdefgh", 5), "abcd…");
    assert.equal(truncate("👋👋👋", 4), "👋…");
    assert.equal(truncate("short", 10), "short");
  });

  it("wraps at spaces, cuts words longer than a line, and keeps the text's own line breaks", () => {
    assert.deepEqual(wrap("the quick brown fox", 10), ["the quick", "brown fox"]);
    assert.deepEqual(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
    assert.deepEqual(wrap("a\nb c", 10), ["a", "b c"]);
    assert.deepEqual(wrap("👋👋👋", 4), ["👋👋", "👋"]);
    for (const line of wrap("Příliš žluťoučký kůň úpěl ďábelské ódy 🐴🎶 ".repeat(5), 17)) {
      assert.ok(displayWidth(line) <= 17, line);
    }
  });

  it("lines up table columns by display width and wraps only the last one, under itself", () => {
    const out = table(["A", "B", "C"], [["👋", "x", "one two three four five six"], ["kůň", "yy", "z"]], { width: 30 });
    assert.deepEqual(out.split("\n"), [
      "A    B   C",
      "👋   x   one two three four",
      "         five six",
      "kůň  yy  z",
    ]);
    // Too narrow a terminal to wrap into: the terminal wraps it instead.
    assert.equal(table(undefined, [["a", "b c d e"]], { width: 10 }), "a  b c d e");
  });

  it("says times the way people read them", () => {
    assert.equal(ago(400), "0 s ago");
    assert.equal(ago(59_000), "59 s ago");
    assert.equal(ago(3 * 60_000), "3 min ago");
    assert.equal(ago(5 * 3_600_000), "5 h ago");
    assert.equal(ago(3 * 86_400_000), "3 days ago");
    assert.equal(duration(42), "42 s");
    assert.equal(duration(3 * 3600 + 12 * 60), "3 h 12 min");
    const id = String(new Date(2026, 10, 25, 14, 3, 27).getTime());
    assert.equal(messageTime(id), "14:03:27");
    assert.equal(messageDay(id), "2026-11-25");
  });

  it("renders the peers table with the hint of a peer that is not connected", () => {
    const base: PeerView = {
      peer_id: "bob", address: "198.18.1.2", state: "both", summary: "connected both ways", outbound: "connected",
      inbound: 1, inbound_addresses: ["198.18.1.2"], first_seen: "2026-11-26T12:00:00.000Z",
      last_seen: "2026-11-26T12:00:05.000Z", last_seen_ago_ms: 2_000, last_seen_via: "udp-hello", gone: false,
      queued: 0, last_error: null, hint: null, reach: { kind: "interface", name: "eth0" },
    };
    const carol: PeerView = {
      ...base, peer_id: "carol\x1b[2J", address: "198.18.1.3", state: "inbound-only", outbound: "down",
      reach: { kind: "static", name: "gw.example" },
      summary: "one way: it reaches us, we cannot reach it",
      last_error: { code: "ECONNREFUSED", message: "connect ECONNREFUSED 198.18.1.3:9876", at: base.last_seen },
      hint: "answers UDP but refuses TCP on 9876: is its server running, or a firewall in the way?",
    };
    const plain = peersTable([base, carol], createStyle(false));
    const lines = plain.split("\n");
    assert.match(lines[0] ?? "", /^PEER\s+STATE\s+ADDRESS\s+REACHED\s+LAST SEEN\s+PROBLEM$/);
    assert.match(lines[1] ?? "", /^bob\s+connected both ways\s+198\.18\.1\.2\s+LAN eth0\s+2 s ago$/);
    assert.match(lines[2] ?? "", /^carol␛\[2J\s+one way \(it → us\)\s+198\.18\.1\.3\s+static gw\.example\s+2 s ago\s+answers UDP but refuses TCP on 9876: .*\(last error ECONNREFUSED: connect ECONNREFUSED/);
    assert.doesNotMatch(plain, /\x1b/);
    assert.match(peersTable([base], createStyle(true)), /\x1b\[32mconnected both ways\x1b\[39m/);
  });
});
