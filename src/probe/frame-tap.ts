// Reads a target's byte stream with the same tolerant decoder the peer uses (so the probe accepts
// every frame shape docs/protocol.md "Framing" tolerates), while keeping the raw bytes and where each
// frame lies in them: the report shows the bytes, and the conventions checks look at how each
// frame was written (its line end, whether it was compact).
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, type DecodedFrame } from "../protocol/decoder.js";

/** One item the decoder produced, with its place in the stream (byte offsets, end exclusive). */
export interface TappedFrame {
  readonly decoded: DecodedFrame;
  readonly start: number;
  readonly end: number;
}

/** What followed a frame: a line end, more data without one, or nothing (yet). */
export type Terminator = "lf" | "crlf" | "none" | "pending";

const LF = 0x0a;
const CR = 0x0d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const RBRACKET = 0x5d;

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === LF || b === CR || b === 0x09;
}

export class FrameTap {
  private readonly decoder: FrameDecoder;
  // The stream as received: chunks and where each starts, so a range is found by binary search
  // (a chunked peer sends thousands of tiny chunks; joining them on every read would be quadratic).
  private readonly chunks: Buffer[] = [];
  private readonly starts: number[] = [];
  private length = 0;
  /** End of the last item yielded: the next one starts at the first non-whitespace byte after it. */
  private lastEnd = 0;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    this.decoder = new FrameDecoder({ maxFrameBytes });
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.length;
  }

  /** True once a frame was too large: the stream cannot be followed any further. */
  get failed(): boolean {
    return this.decoder.failed;
  }

  /**
   * Feeds the next chunk. The decoder is fed in pieces that end right after every `}`, `]` and
   * LF and right before every `{`: a frame can only complete at such a byte, so the end of the
   * piece that completes an item is that item's end in the stream, without a second scanner.
   * (The decoder yields the same items however its input is split; its tests split at every offset.)
   */
  push(chunk: Buffer): TappedFrame[] {
    const base = this.length;
    this.chunks.push(chunk);
    this.starts.push(base);
    this.length += chunk.length;
    const out: TappedFrame[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      let to: number;
      if (b === RBRACE || b === RBRACKET || b === LF) to = i + 1;
      else if (b === LBRACE && i > from) to = i;
      else if (i === chunk.length - 1) to = i + 1;
      else continue;
      for (const decoded of this.decoder.push(chunk.subarray(from, to))) {
        // A garbage run is only known to end when the `{` after it arrives: it ended before it.
        const end = base + (!decoded.ok && chunk[from] === LBRACE ? from : to);
        out.push({ decoded, start: this.skipWhitespace(this.lastEnd, end), end });
        this.lastEnd = end;
      }
      from = to;
      i = to - 1;
    }
    return out;
  }

  /** A copy of the raw bytes between two stream offsets. */
  bytes(from: number, to: number = this.length): Buffer {
    from = Math.max(0, from);
    to = Math.min(this.length, to);
    if (to <= from) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (let c = this.chunkAt(from); c < this.chunks.length; c++) {
      const start = this.starts[c] as number;
      if (start >= to) break;
      const chunk = this.chunks[c] as Buffer;
      parts.push(chunk.subarray(Math.max(0, from - start), Math.min(chunk.length, to - start)));
    }
    return Buffer.concat(parts, to - from);
  }

  /** The item's own bytes, from its first byte to its closing bracket. */
  frameBytes(frame: TappedFrame): Buffer {
    return this.bytes(frame.start, frame.end);
  }

  /** The item's bytes and the whitespace received after it: what the target wrote for it. */
  frameWithTerminator(frame: TappedFrame): Buffer {
    return this.bytes(frame.start, this.skipWhitespace(frame.end, this.length));
  }

  /**
   * How the frame was ended. "pending": nothing but whitespace without a line end has followed it
   * yet, so its line end may still be on the way; the caller decides when to call that "none".
   */
  terminatorAfter(frame: TappedFrame): Terminator {
    const gapEnd = this.skipWhitespace(frame.end, this.length);
    // docs/protocol.md "Framing": a frame ends with LF or CR LF; spaces or tabs before it are harmless.
    const gap = this.bytes(frame.end, gapEnd).toString("latin1").replace(/[ \t]+/g, "");
    if (gap.startsWith("\r\n")) return "crlf";
    if (gap.startsWith("\n")) return "lf";
    if ((gap === "" || gap === "\r") && gapEnd === this.length) return "pending";
    return "none";
  }

  private chunkAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The first offset in [from, to) that is not whitespace, or `to`. */
  private skipWhitespace(from: number, to: number): number {
    let pos = from;
    for (let c = this.chunkAt(from); c < this.chunks.length && pos < to; c++) {
      const chunk = this.chunks[c] as Buffer;
      const start = this.starts[c] as number;
      for (let i = pos - start; i < chunk.length && pos < to; i++, pos++) {
        if (!isWhitespace(chunk[i] as number)) return pos;
      }
    }
    return Math.min(pos, to);
  }
}
