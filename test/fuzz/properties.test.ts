// Property-based tests (fast-check): thousands of generated inputs per run against the frame
// decoder and the command handlers. A failure prints the smallest input that breaks the property.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { History } from "../../src/history/history.js";
import { MessageIntake } from "../../src/history/intake.js";
import { isMessageId } from "../../src/protocol/message-id.js";
import { createLogger } from "../../src/log/logger.js";
import { handleCommand, type CommandContext } from "../../src/peers/commands.js";
import { FrameDecoder } from "../../src/protocol/decoder.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const quiet = createLogger({ level: "error", write: () => {} });

/** How a frame may be written on the wire by some peer in class (docs/protocol.md "Framing"). */
const styles = ["compact-lf", "crlf", "none", "pretty", "padded"] as const;
function write(value: object, style: (typeof styles)[number]): string {
  switch (style) {
    case "compact-lf": return JSON.stringify(value) + "\n";
    case "crlf": return JSON.stringify(value) + "\r\n";
    case "none": return JSON.stringify(value);
    case "pretty": return JSON.stringify(value, null, 2) + "\n";
    case "padded": return "  \t" + JSON.stringify(value) + " \r\n\n";
  }
}

/** Splits bytes at the given cut points (taken modulo the length). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

describe("properties: frame decoder", () => {
  it("decodes any sequence of objects, in any framing style, split anywhere, to the same objects", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(jsonObject, fc.constantFrom(...styles)), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (frames, cuts) => {
          const wire = Buffer.from(frames.map(([value, style]) => write(value, style)).join(""));
          const decoder = new FrameDecoder();
          const decoded = chunk(wire, cuts).flatMap((c) => decoder.push(c));
          // JSON itself normalises some values (-0 becomes 0): compare with what JSON means.
          assert.deepEqual(decoded, frames.map(([value]) => ({ ok: true, value: JSON.parse(JSON.stringify(value)) })));
          assert.equal(decoder.bufferedBytes, 0);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("never throws on arbitrary bytes, never holds more than its limit, and reports errors well-formed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 16, max: 2048 }),
        (bytes, cuts, limit) => {
          const decoder = new FrameDecoder({ maxFrameBytes: limit });
          for (const piece of chunk(Buffer.from(bytes), cuts)) {
            for (const result of decoder.push(piece)) {
              if (result.ok) assert.equal(typeof result.value, "object");
              else {
                assert.match(result.error.code, /^E_[A-Z0-9_]+$/);
                assert.ok(result.error.message.length <= 200 && !result.error.message.includes("\n"));
              }
            }
            assert.ok(decoder.bufferedBytes <= limit, `holds ${decoder.bufferedBytes} > ${limit}`);
          }
        }),
      { numRuns: RUNS },
    );
  });

  it("finds the next good frame after a garbage line", () => {
    // Garbage without brackets or quotes, ended by LF, cannot hide the frame that follows.
    const garbage = fc.string({ unit: fc.constantFrom(..."abc xyz123!@#$%^&*()-=+;:',.<>/?\\|~`\t\r") });
    fc.assert(
      fc.property(garbage, jsonObject, fc.array(fc.nat(), { maxLength: 6 }), (junk, value, cuts) => {
        const decoder = new FrameDecoder();
        const wire = Buffer.from(`${junk}\n${JSON.stringify(value)}\n`);
        const decoded = chunk(wire, cuts).flatMap((c) => decoder.push(c));
        assert.deepEqual(decoded.at(-1), { ok: true, value: JSON.parse(JSON.stringify(value)) });
        assert.ok(decoded.slice(0, -1).every((d) => !d.ok));
      }),
      { numRuns: RUNS },
    );
  });
});

describe("properties: command handling", () => {
  const id = fc.oneof(
    fc.bigInt({ min: 10n ** 12n, max: 10n ** 20n }).map(String),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.double(),
    fc.string(),
    fc.constant(undefined),
    fc.constant(null),
  );
  const text = fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.integer(), fc.constant(undefined), fc.constant(null), fc.array(fc.string()));
  const frame = fc.record(
    {
      command: fc.oneof(fc.constantFrom("hello", "new_message", "HELLO", "", "__proto__", "constructor", "toString"), fc.string(), fc.integer()),
      peer_id: text,
      message_id: id,
      message: text,
      status: fc.constantFrom("ok", "error"),
      messages: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );

  it("always answers with status ok or error, never throws, and keeps the history valid", () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 30 }), (frames) => {
        const history = new History(20);
        const intake = new MessageIntake(history, quiet);
        let introduced: string | undefined;
        const context: CommandContext = {
          maxMessageBytes: 200,
          get remotePeerId() { return introduced; },
          remoteAddress: "198.18.0.9",
          introduce(peerId) { introduced = peerId; return undefined; },
          snapshot: () => history.toJSON(),
          store: (messageId, entry) => intake.receive(messageId, entry),
        };
        const helloIds = new Set<string>();
        for (const f of frames) {
          const reply = handleCommand(f as Record<string, unknown>, context);
          if (introduced !== undefined) helloIds.add(introduced);
          if (reply === undefined) {
            assert.ok(f.command === undefined && "status" in f, "only status frames go unanswered");
            continue;
          }
          assert.ok(reply.status === "ok" || reply.status === "error");
          if (reply.status === "error") assert.match(String(reply.message), /^E_[A-Z_]+: /);
        }
        assert.ok(history.size <= 20);
        for (const m of history.list()) {
          assert.ok(isMessageId(m.id));
          assert.equal(typeof m.message, "string");
          assert.ok(Buffer.byteLength(m.message) <= 200);
          assert.equal(typeof m.peer_id, "string");
          assert.ok(helloIds.has(m.peer_id), "stored under the peer_id of a hello");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("acks and stores every valid new_message after a hello; refuses ids from the future, saying so", () => {
    const now = 1_796_169_600_000;
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
        fc.uniqueArray(fc.bigInt({ min: 10n ** 12n, max: 10n ** 18n }).map(String), { maxLength: 20 }),
        fc.string({ maxLength: 100 }),
        (peerId, ids, text) => {
          const history = new History(100);
          const intake = new MessageIntake(history, quiet, undefined, { now: () => now });
          let introduced: string | undefined;
          const context: CommandContext = {
            maxMessageBytes: 1024,
            get remotePeerId() { return introduced; },
            remoteAddress: "198.18.0.9",
            introduce(p) { introduced = p; return undefined; },
            snapshot: () => history.toJSON(),
            store: (messageId, entry) => intake.receive(messageId, entry),
          };
          assert.equal(handleCommand({ command: "hello", peer_id: peerId }, context)?.status, "ok");
          for (const messageId of ids) {
            const reply = handleCommand({ command: "new_message", message_id: messageId, message: text }, context);
            if (BigInt(messageId) > BigInt(now + 300_000)) {
              assert.equal(reply?.status, "error");
              assert.match(String(reply?.message), /^E_ID_FROM_FUTURE: /);
              assert.equal(history.get(messageId), undefined);
            } else {
              assert.deepEqual(reply, { status: "ok" });
              assert.deepEqual(history.get(messageId), { peer_id: peerId, message: text });
            }
          }
        }),
      { numRuns: RUNS },
    );
  });
});
