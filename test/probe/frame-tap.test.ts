import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameTap, type TappedFrame } from "../../src/probe/frame-tap.js";

/** What a tap makes of a stream: each item's text, its own bytes, and how it was ended. */
function tapped(chunks: Buffer[]): Array<{ ok: boolean; own: string; end: string; spans: [number, number] }> {
  const tap = new FrameTap();
  const items: TappedFrame[] = [];
  for (const chunk of chunks) items.push(...tap.push(chunk));
  return items.map((item) => ({
    ok: item.decoded.ok,
    own: tap.frameBytes(item).toString("utf8"),
    end: tap.terminatorAfter(item),
    spans: [item.start, item.end],
  }));
}

const SAMPLES: Record<string, string> = {
  compact: '{"status":"ok","messages":{}}\n{"status":"ok"}\n',
  crlf: '{"status":"ok"}\r\n{"status":"ok","x":"}"}\r\n',
  "no terminator": '{"status":"ok"}{"status":"error","message":"a{b"}',
  pretty: '{\n  "status": "ok",\n  "messages": {}\n}\n',
  "garbage between": 'not json\n{"status":"ok"}junk{"a":[1,{"b":2}]}\n',
  "array and utf-8": '[1,2]\n{"m":"žluťoučký 🐎"}  \n',
};

describe("FrameTap (the probe's reader: frames plus where they lie in the raw stream)", () => {
  it("finds each frame's bytes and line end in known samples", () => {
    assert.deepEqual(tapped([Buffer.from(SAMPLES.compact as string)]).map((f) => [f.own, f.end]), [
      ['{"status":"ok","messages":{}}', "lf"],
      ['{"status":"ok"}', "lf"],
    ]);
    assert.deepEqual(tapped([Buffer.from(SAMPLES.crlf as string)]).map((f) => [f.own, f.end]), [
      ['{"status":"ok"}', "crlf"],
      ['{"status":"ok","x":"}"}', "crlf"],
    ]);
    // The last frame has nothing after it yet: its line end may still come.
    assert.deepEqual(tapped([Buffer.from(SAMPLES["no terminator"] as string)]).map((f) => [f.own, f.end]), [
      ['{"status":"ok"}', "none"],
      ['{"status":"error","message":"a{b"}', "pending"],
    ]);
    assert.deepEqual(tapped([Buffer.from(SAMPLES.pretty as string)]).map((f) => [f.own, f.end]), [
      ['{\n  "status": "ok",\n  "messages": {}\n}', "lf"],
    ]);
    assert.deepEqual(tapped([Buffer.from(SAMPLES["garbage between"] as string)]).map((f) => [f.ok, f.own]), [
      [false, "not json\n"],
      [true, '{"status":"ok"}'],
      [false, "junk"],
      [true, '{"a":[1,{"b":2}]}'],
    ]);
    assert.deepEqual(tapped([Buffer.from(SAMPLES["array and utf-8"] as string)]).map((f) => [f.ok, f.own, f.end]), [
      [false, "[1,2]", "lf"],
      [true, '{"m":"žluťoučký 🐎"}', "lf"],
    ]);
  });

  it("gives the same items, offsets and line ends however the stream is split", () => {
    for (const [name, text] of Object.entries(SAMPLES)) {
      const bytes = Buffer.from(text);
      const whole = tapped([bytes]);
      for (let cut = 0; cut <= bytes.length; cut++) {
        assert.deepEqual(tapped([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `${name}, cut at ${cut}`);
      }
      assert.deepEqual(tapped([...bytes].map((b) => Buffer.from([b]))), whole, `${name}, byte by byte`);
    }
  });

  it("sees a line end that arrives after the frame", () => {
    const tap = new FrameTap();
    const [frame] = tap.push(Buffer.from('{"status":"ok"}')) as [TappedFrame];
    assert.equal(tap.terminatorAfter(frame), "pending");
    tap.push(Buffer.from("  \r"));
    assert.equal(tap.terminatorAfter(frame), "pending");
    tap.push(Buffer.from("\n"));
    assert.equal(tap.terminatorAfter(frame), "crlf");
    assert.equal(tap.frameWithTerminator(frame).toString(), '{"status":"ok"}  \r\n');
  });

  it("stops at the frame size limit", () => {
    const tap = new FrameTap(64);
    const items = tap.push(Buffer.from(`{"m":"${"x".repeat(100)}"}\n`));
    assert.equal(items.length, 1);
    assert.equal(items[0]?.decoded.ok, false);
    assert.equal(tap.failed, true);
  });
});
