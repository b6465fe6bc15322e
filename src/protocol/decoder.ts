// Streaming frame decoder: bytes in, JSON values out. It never touches a socket, so every framing
// rule can be tested by feeding it bytes (docs/architecture.md habit 1, like ws's lib/receiver.js).
//
// docs/protocol.md "Framing": every frame is one JSON object ending with LF or CR LF, but we must
// tolerate CR LF, no terminator at all, several frames per read, a frame split across reads (even
// inside a multi-byte UTF-8 character), pretty-printed JSON over several lines and surrounding
// whitespace. So frames are delimited by balancing brackets, not by looking for line ends.
//
// The scan is a single pass over bytes. Every structural character ({ } [ ] " \ LF) is ASCII and
// every byte of a multi-byte UTF-8 sequence is >= 0x80, so a split character can never be mistaken
// for structure; the bytes are only decoded as text once the whole frame is known.

import type { ErrorCodeSubset } from "../errors.js";
import { ACK_OK, encodeFrame } from "./encoder.js";

/** The codes a frame can fail to decode with; each is in the errors catalogue (src/errors.ts). */
export type FrameErrorCode = ErrorCodeSubset<"E_INVALID_JSON" | "E_NOT_OBJECT" | "E_INVALID_UTF8" | "E_FRAME_TOO_LARGE" | "E_TOO_DEEP" | "E_TOO_MANY_FIELDS">;

export interface FrameError {
  code: FrameErrorCode;
  /** Short human reason (trimmed, at most 200 chars), fit for a `{"status":"error"}` reply. */
  message: string;
}

export type DecodedFrame = { ok: true; value: Record<string, unknown> } | { ok: false; error: FrameError };

export interface FrameDecoderOptions {
  /** Longest frame (or run of garbage) accepted, in bytes; default 1 MiB. */
  maxFrameBytes?: number;
  /** Most `"key": value` members a frame may have, at all depths; default DEFAULT_MAX_FIELDS. */
  maxFields?: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Deepest nesting of objects and arrays a frame may have. The protocol's deepest frame, a hello
 * reply, is 3 levels deep; unknown extra fields get room to spare. The limit exists because
 * everything that walks a parsed value recursively (JSON.stringify first of all) overflows the
 * stack at a few thousand levels, and 10 KB of `[` is enough to reach that: such a frame is
 * refused here, before it is parsed, so nothing downstream ever sees it.
 */
export const MAX_FRAME_DEPTH = 32;

/**
 * Most object members (`"key": value`, counted by their colons) a frame may have. A hello reply
 * with 100 messages has about 300; the default leaves room for a history limit of several
 * thousand. The cost of a frame is not only its bytes: 4 MiB of `"1":0,` entries takes JSON.parse
 * 50 ms and walking the result longer still, all of it in one turn of the event loop. Counting
 * while scanning refuses such a frame before any of that work is done.
 */
export const DEFAULT_MAX_FIELDS = 20_000;

const MAX_MESSAGE_CHARS = 200;

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const COLON = 0x3a;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** What the decoder is in the middle of (plain numbers: `const enum` does not suit isolatedModules). */
const Mode = {
  /** Between frames: skipping whitespace. */
  Idle: 0,
  /** Inside a `{...}` or `[...]` value, balancing brackets. */
  Value: 1,
  /** Inside top-level text that cannot start an object; it runs to LF or to the next `{`. */
  Garbage: 2,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

// fatal: invalid UTF-8 must be reported, not silently turned into U+FFFD.
// ignoreBOM: keep the text exactly as sent (a frame starts with `{`, so a BOM can only be garbage).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isWhitespace(b: number): boolean {
  return b === SPACE || b === LF || b === CR || b === TAB;
}

function error(code: FrameErrorCode, message: string): DecodedFrame {
  // Peer text can end up in the reason (V8 quotes the input in JSON.parse errors): keep it one
  // short line, since it is logged and echoed back to the peer.
  let text = message.replace(/\s+/g, " ").trim();
  if (text.length > MAX_MESSAGE_CHARS) text = text.slice(0, MAX_MESSAGE_CHARS - 3) + "...";
  return { ok: false, error: { code, message: text } };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function tooDeep(): DecodedFrame {
  return error("E_TOO_DEEP", `frame nested deeper than ${MAX_FRAME_DEPTH} levels`);
}

function tooManyFields(limit: number): DecodedFrame {
  return error("E_TOO_MANY_FIELDS", `frame has more than ${limit} fields`);
}

/** The deepest nesting of brackets, and the number of colons, outside strings in `bytes` (for datagrams, scanned whole). */
function shapeOf(bytes: Uint8Array): { depth: number; fields: number } {
  let depth = 0;
  let deepest = 0;
  let fields = 0;
  let inString = false;
  let escaped = false;
  for (const b of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === LBRACE || b === LBRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (b === RBRACE || b === RBRACKET) {
      depth--;
    } else if (b === COLON) {
      fields++;
    }
  }
  return { depth: deepest, fields };
}

/**
 * Whether `bytes` cannot be deeper than MAX_FRAME_DEPTH or have more than `maxFields` fields,
 * judged by counting every bracket and colon, inside strings too: a count that stays within the
 * limits proves shapeOf() would. A hello has one brace and two colons, so a few native searches
 * replace a scan of every byte in JavaScript; only a frame whose counts could pass the limits is
 * scanned.
 */
function surelyWithinShape(bytes: Uint8Array, maxFields: number): boolean {
  return countUpTo(bytes, LBRACE, MAX_FRAME_DEPTH + 1) + countUpTo(bytes, LBRACKET, MAX_FRAME_DEPTH + 1) <= MAX_FRAME_DEPTH &&
    // Colons need no counting in what is too short to hold too many fields as JSON (a chat
    // message's frame, whose text may have colons of its own).
    (bytes.byteLength < shortestWithTooManyFields(maxFields) || countUpTo(bytes, COLON, maxFields + 1) <= maxFields);
}

/**
 * The fewest bytes of JSON deeper than MAX_FRAME_DEPTH (a bracket to open and one to close each
 * level) or with more than `maxFields` fields. Anything shorter that shapeOf() would refuse is not
 * JSON either, and JSON.parse refuses it.
 */
function shortestOverLimits(maxFields: number): number {
  return Math.min(2 * (MAX_FRAME_DEPTH + 1), shortestWithTooManyFields(maxFields));
}

/** The fewest bytes of JSON with more than `maxFields` fields (`{"":0,"":0}`: five bytes a field and a brace). */
function shortestWithTooManyFields(maxFields: number): number {
  return 5 * (maxFields + 1) + 1;
}

/** V8's own search of a typed array: Buffer's indexOf is JavaScript around a native call, and
 *  several times slower for the one byte searched here. */
const indexOfByte = Uint8Array.prototype.indexOf;

/** How often `byte` occurs in `bytes`, counted up to `cap`. */
function countUpTo(bytes: Uint8Array, byte: number, cap: number): number {
  let count = 0;
  for (let at = indexOfByte.call(bytes, byte); at >= 0 && count < cap; at = indexOfByte.call(bytes, byte, at + 1)) count++;
  return count;
}

/** Decode one complete frame's bytes: UTF-8, then JSON, then "must be an object". */
function parseFrame(bytes: Uint8Array): DecodedFrame {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return error("E_INVALID_UTF8", "invalid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return error("E_INVALID_JSON", `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  // docs/protocol.md "Framing": anything that is not a JSON object is answered with an error.
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return error("E_NOT_OBJECT", `expected a JSON object, got ${describe(value)}`);
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The ack of a stored message as p2pchat (encoder.ts ACK_OK) and most peers write it
 * (docs/protocol.md §2): every other frame of a chat, nine for each message we send to a room of
 * ten. Known by its bytes, it is handed on as one shared value, frozen, instead of being decoded,
 * parsed and made anew each time.
 */
const ACK_BYTES = encodeFrame(ACK_OK);
const ACK_FRAME: DecodedFrame = Object.freeze({ ok: true as const, value: ACK_OK });

function tooLarge(limit: number): DecodedFrame {
  return error("E_FRAME_TOO_LARGE", `frame exceeds ${limit} bytes`);
}

export class FrameDecoder {
  /** Mutable on purpose: a connection raises it while it waits for a large hello reply (the whole
   * history), then lowers it again. It applies from the next byte scanned. */
  maxFrameBytes: number;
  readonly maxFields: number;

  #mode: Mode = Mode.Idle;
  #failed = false;
  // Scanner state of a Value, kept across chunks.
  #depth = 0;
  /** The frame in progress went deeper than MAX_FRAME_DEPTH: it is scanned to its end, not parsed. */
  #tooDeep = false;
  /** Colons outside strings in the frame in progress: its fields. */
  #fields = 0;
  #inString = false;
  #escaped = false;
  // Bytes of the frame (or garbage run) in progress from earlier chunks. Kept as a list and joined
  // once when the frame completes, so a 5 MB line costs linear time, not quadratic.
  #parts: Buffer[] = [];
  #held = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxFields = options.maxFields ?? DEFAULT_MAX_FIELDS;
  }

  /** Bytes held for an incomplete frame or garbage run. */
  get bufferedBytes(): number {
    return this.#held;
  }

  /** True after E_FRAME_TOO_LARGE: the stream is out of sync for good, the caller closes it. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Feed the next bytes of the stream; returns everything completed by them, in order.
   *
   * Kept to the one-frame read that nearly every read is, with the scan in a method of its own:
   * V8 optimises a function once it has run some multiple of its own bytecode's length, and with
   * the scan inside, this ran unoptimised for the first ten thousand or so frames of a peer
   * (bench/analysis.md "What a sender does before its frames leave").
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    if (this.#failed) return [];
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = this.#wholeFrame(buf);
    return whole !== undefined ? [whole] : this.#scan(buf);
  }

  /** Reads `buf` byte by byte: several frames, a frame split across reads, every error. */
  #scan(buf: Buffer): DecodedFrame[] {
    const out: DecodedFrame[] = [];
    const n = buf.length;
    let i = 0;
    // Where the frame in progress starts in this chunk (0 when it began in an earlier chunk).
    let start = 0;

    while (i < n) {
      if (this.#mode === Mode.Idle) {
        const b = buf[i]!;
        if (isWhitespace(b)) {
          i++;
          continue;
        }
        start = i;
        if (b === LBRACE || b === LBRACKET) {
          // An array is scanned like an object so that all of it becomes one E_NOT_OBJECT error.
          this.#mode = Mode.Value;
          this.#depth = 0;
          this.#tooDeep = false;
          this.#fields = 0;
          this.#inString = false;
          this.#escaped = false;
        } else {
          this.#mode = Mode.Garbage;
        }
      }

      // Scan no further than the byte that would make the frame one byte too long: the limit is
      // enforced as soon as it is crossed, without waiting for (or buffering up to) the frame's end.
      // (The limit may have been lowered below what is already held.)
      const allowance = this.maxFrameBytes - this.#held;
      if (allowance < 0) return this.#fail(out);
      const stop = Math.min(n, start + allowance);

      if (this.#mode === Mode.Value) {
        let depth = this.#depth;
        let deep = this.#tooDeep;
        let fields = this.#fields;
        let inString = this.#inString;
        let escaped = this.#escaped;
        let end = -1; // index of the closing bracket
        let broken = false;
        for (; i < stop; i++) {
          const b = buf[i]!;
          if (inString) {
            if (b === LF) {
              // A raw LF is never valid inside a JSON string, even after a backslash. Treat the
              // frame as broken here, so that one bad line cannot swallow the good frames after it.
              broken = true;
              break;
            }
            if (escaped) escaped = false;
            else if (b === BACKSLASH) escaped = true;
            else if (b === QUOTE) inString = false;
          } else if (b === QUOTE) {
            inString = true;
          } else if (b === LBRACE || b === LBRACKET) {
            if (++depth > MAX_FRAME_DEPTH) deep = true;
          } else if (b === COLON) {
            fields++;
          } else if (b === RBRACE || b === RBRACKET) {
            // Mismatched pairs like `{]` are left for JSON.parse to reject.
            if (--depth === 0) {
              end = i;
              break;
            }
          }
        }
        this.#depth = depth;
        this.#tooDeep = deep;
        this.#fields = fields;
        this.#inString = inString;
        this.#escaped = escaped;

        if (end >= 0) {
          // Yield at once, without waiting for a terminator: a hello sent without one must be
          // answered immediately (docs/protocol.md "What real peers do").
          if (deep || fields > this.maxFields) {
            this.#release();
            out.push(deep ? tooDeep() : tooManyFields(this.maxFields));
          } else {
            out.push(parseFrame(this.#take(buf, start, end + 1)));
          }
          i = end + 1;
          this.#mode = Mode.Idle;
        } else if (broken) {
          this.#release();
          out.push(error("E_INVALID_JSON", "invalid JSON: line break inside a string"));
          i++; // resynchronise right after the LF
          this.#mode = Mode.Idle;
        } else if (i < n) {
          return this.#fail(out);
        }
      } else {
        // Garbage: a top-level string, number, literal or junk. It ends at LF (consumed) or just
        // before a `{` (not consumed), so a frame glued to the junk still decodes. A `{` inside a
        // quoted string here also ends it: recovering the next frame matters more than reporting
        // `"a{b"` as one error instead of two.
        let end = -1; // index just past the run
        let next = -1; // where scanning resumes
        for (; i < stop; i++) {
          const b = buf[i]!;
          if (b === LF) {
            end = i;
            next = i + 1;
            break;
          }
          if (b === LBRACE) {
            end = i;
            next = i;
            break;
          }
        }
        if (end < 0 && i === stop && i < n) {
          // The limit was reached, but a run that ends exactly at it is still within it.
          const b = buf[i]!;
          if (b === LF || b === LBRACE) {
            end = i;
            next = b === LF ? i + 1 : i;
          }
        }
        if (end >= 0) {
          // One error for the whole run; JSON.parse tolerates the CR of a CR LF.
          out.push(parseFrame(this.#take(buf, start, end)));
          i = next;
          this.#mode = Mode.Idle;
        } else if (i < n) {
          return this.#fail(out);
        }
      }
    }

    if (this.#mode !== Mode.Idle && start < n) {
      // Copy the unfinished tail: the caller may reuse its buffer, and holding a slice would pin
      // the whole chunk in memory for a few bytes.
      const tail = Buffer.from(buf.subarray(start, n));
      this.#parts.push(tail);
      this.#held += tail.length;
    }
    return out;
  }

  /**
   * The frame, when `buf` is exactly one well-formed object frame and nothing is held from earlier
   * reads: what nearly every read of a chat brings (one frame, one line). Decided with native
   * searches and JSON.parse instead of the byte-by-byte scan in JavaScript, which cost a received
   * message more than parsing it (bench/analysis.md). Undefined for anything else (several
   * frames, a frame split across reads, a pretty-printed one, any error), which the scan then
   * reads from the start, so that every error is reported exactly as it always was.
   */
  #wholeFrame(buf: Buffer): DecodedFrame | undefined {
    const n = buf.length;
    if (this.#mode !== Mode.Idle || this.#held > 0 || n > this.maxFrameBytes || buf[0] !== LBRACE) return undefined;
    if (buf.equals(ACK_BYTES)) return ACK_FRAME;
    // One line at most: an LF only as the last byte (a CR before it is whitespace to JSON.parse).
    const lineEnd = indexOfByte.call(buf, LF);
    if (lineEnd >= 0 && lineEnd !== n - 1) return undefined;
    if (!surelyWithinShape(buf, this.maxFields)) return undefined;
    const decoded = parseFrame(buf);
    // Two objects glued together, trailing junk, bad UTF-8 or JSON: the scan says which.
    return decoded.ok ? decoded : undefined;
  }

  /** The bytes of the frame ending at `end` in `buf`, joined with what earlier chunks held. */
  #take(buf: Buffer, start: number, end: number): Buffer {
    const last = buf.subarray(start, end);
    if (this.#parts.length === 0) return last;
    this.#parts.push(last);
    const whole = Buffer.concat(this.#parts, this.#held + last.length);
    this.#release();
    return whole;
  }

  #release(): void {
    this.#parts = [];
    this.#held = 0;
  }

  #fail(out: DecodedFrame[]): DecodedFrame[] {
    // The frame's end can no longer be found without buffering without bound: stop for good and
    // let the caller report the error once and close (docs/architecture.md habit 3).
    out.push(tooLarge(this.maxFrameBytes));
    this.#failed = true;
    this.#mode = Mode.Idle;
    this.#release();
    return out;
  }
}

/**
 * Decode one UDP datagram, which must hold exactly one JSON object (docs/protocol.md §1); surrounding
 * whitespace, CR and LF are allowed. Anything else yields the error, never a throw: one garbage
 * datagram has been seen to kill a peer outright.
 */
export function decodeDatagram(data: Uint8Array, maxBytes: number = DEFAULT_MAX_FRAME_BYTES, maxFields = DEFAULT_MAX_FIELDS): DecodedFrame {
  if (data.byteLength > maxBytes) return tooLarge(maxBytes);
  let from = 0;
  let to = data.byteLength;
  while (from < to && isWhitespace(data[from]!)) from++;
  while (to > from && isWhitespace(data[to - 1]!)) to--;
  if (from === to) return error("E_INVALID_JSON", "invalid JSON: empty datagram");
  // A hello or an answer is shorter than any JSON that breaks a limit: the shape is counted only
  // for a datagram that could (at idle a peer decodes one every few hundred ms, mostly this).
  if (to - from >= shortestOverLimits(maxFields)) {
    const frame = from === 0 && to === data.byteLength ? data : data.subarray(from, to);
    if (!surelyWithinShape(frame, maxFields)) {
      const shape = shapeOf(frame);
      if (shape.depth > MAX_FRAME_DEPTH) return tooDeep();
      if (shape.fields > maxFields) return tooManyFields(maxFields);
    }
  }
  // Parsed with the whitespace around it, which JSON.parse skips (the same four bytes as
  // isWhitespace), rather than through a view without it: a hello ends with a newline, and that
  // view was a third of what decoding one allocated. Two glued objects or trailing junk make
  // JSON.parse fail, which is the error we want.
  return parseFrame(data);
}
