// Evidence for the report: the bytes that went over the wire, shown so that a student can see
// exactly what their peer sent, line ends and all, without a 5 MB history flooding the terminal.

/** Longest rendering of one evidence line in the text report, in characters. */
export const DEFAULT_EVIDENCE_CHARS = 160;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Renders bytes as one line: LF, CR and TAB as `\n`, `\r`, `\t`, other control characters and
 * bytes that are not UTF-8 as `\xNN` (or `\u{N}`), everything else as itself. Longer than
 * `maxChars`, the middle is cut and counted, and the end stays visible (that is where the line
 * terminator is).
 */
export function showBytes(bytes: Uint8Array, maxChars: number = DEFAULT_EVIDENCE_CHARS): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tailChars = Math.max(8, Math.floor(maxChars / 5));
  const headChars = Math.max(8, maxChars - tailChars - 24);
  // Rendering never shortens text, so a few bytes per character of each end are plenty.
  if (buf.length > (headChars + tailChars) * 4 + 64) {
    const head = render(buf.subarray(0, charBoundary(buf, headChars * 4))).slice(0, headChars);
    const tailBytes = buf.subarray(charBoundary(buf, buf.length - tailChars * 4));
    const tail = render(tailBytes).slice(-tailChars);
    return `${head}…[${buf.length} bytes in all]…${tail}`;
  }
  const text = render(buf);
  if (text.length <= maxChars) return text;
  const omitted = text.length - headChars - tailChars;
  return `${text.slice(0, headChars)}…[${omitted} chars]…${text.slice(-tailChars)}`;
}

/** Moves a cut forward past UTF-8 continuation bytes, so neither side starts mid-character. */
function charBoundary(buf: Buffer, at: number): number {
  let i = Math.max(0, Math.min(at, buf.length));
  while (i < buf.length && i > 0 && ((buf[i] as number) & 0xc0) === 0x80) i++;
  return i;
}

function render(buf: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    // Not UTF-8: show every byte above ASCII as hex, so the broken sequence is visible.
    let out = "";
    for (const b of buf) out += b < 0x80 ? escapeChar(String.fromCharCode(b)) : hex(b);
    return out;
  }
  let out = "";
  for (const ch of text) out += escapeChar(ch);
  return out;
}

function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) as number;
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  if (code < 0x20 || code === 0x7f) return hex(code);
  // C1 controls and line/paragraph separators would break or garble the report line.
  if ((code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029) return `\\u{${code.toString(16)}}`;
  return ch;
}

function hex(b: number): string {
  return `\\x${b.toString(16).padStart(2, "0")}`;
}
