import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { showBytes } from "../../src/probe/evidence.js";

describe("showBytes (evidence in the probe's report)", () => {
  it("shows line ends and control bytes escaped, text as it is", () => {
    assert.equal(showBytes(Buffer.from('{"a":"žluť 🐎"}\r\n')), '{"a":"žluť 🐎"}\\r\\n');
    assert.equal(showBytes(Buffer.from("a\tb\u0000c\u007fd\u0085e\u2028")), "a\\tb\\x00c\\x7fd\\u{85}e\\u{2028}");
  });

  it("shows bytes that are not UTF-8 as hex, so a broken character is visible", () => {
    assert.equal(showBytes(Buffer.from([0x7b, 0xc5, 0x7d, 0x0a])), "{\\xc5}\\n");
    assert.equal(showBytes(Buffer.from([0xff, 0x41])), "\\xffA");
  });

  it("cuts the middle of a long line and keeps its end, where the line end is", () => {
    const text = `{"message":"${"x".repeat(250)}"}\n`;
    const shown = showBytes(Buffer.from(text), 100);
    assert.ok(shown.length <= 100, `${shown.length} chars`);
    assert.ok(shown.startsWith('{"message":"xxx'));
    assert.ok(shown.endsWith('xxx"}\\n'));
    assert.match(shown, /…\[\d+ chars\]…/);
  });

  it("renders only the ends of a huge buffer, never cutting a character in two", () => {
    const text = "ž".repeat(1_000_000) + "END\n";
    const shown = showBytes(Buffer.from(text), 100);
    assert.ok(shown.length <= 100, `${shown.length} chars`);
    assert.match(shown, /^ž+…\[2000004 bytes in all\]…ž+END\\n$/);
  });
});
