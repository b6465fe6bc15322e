/**
 * Text for a terminal: colour only when it is one, widths that count emoji and CJK as two columns,
 * tables, word wrapping, and the neutralising of control characters. Messages and peer ids come
 * from other people's programs: an ESC or a bidi override in them must not reach the terminal as
 * such, or a peer could recolour, move the cursor, or hide text in the user's terminal.
 */

export interface Style {
  enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  /** A colour picked from the name, the same every time: tells senders apart at a glance. */
  byName(name: string, text: string): string;
}

/** Colour on a terminal only, and never when NO_COLOR is set to anything (no-color.org). */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !(env.NO_COLOR !== undefined && env.NO_COLOR !== "") && env.TERM !== "dumb";
}

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  const palette = [32, 33, 34, 35, 36, 91, 92, 94, 95, 96];
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    byName(name, text) {
      let hash = 0;
      for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
      return sgr(palette[hash % palette.length] ?? 39, 39)(text);
    },
  };
}

// C0 controls but LF, DEL, C1 controls (U+009B is CSI to some terminals), and the bidi controls
// that reorder what follows them (the "Trojan Source" characters), plus the line separators.
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** Text from a peer made safe to print: controls become visible stand-ins, line breaks stay. */
export function safeText(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    if (char === "\t") return "    ";
    if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␛ for ESC, ␇ for BEL, ...
    if (code === 0x7f) return "\u2421"; // ␡
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

/** Like safeText, and on one line: for table cells such as a peer_id. */
export function safeLine(text: string): string {
  return safeText(text).replace(/\n/g, "\u2424"); // ␤
}

/** JSON for scripts, with the characters a terminal could act on written as \u escapes (still valid JSON). */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const ESCAPES = /\x1b\[[0-9;]*m/g;
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf})+$/u;
const WIDE = /[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Terminal columns the text takes: emoji and East Asian wide characters take two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of segmenter.segment(text.replace(ESCAPES, ""))) {
    if (ZERO_WIDTH.test(segment)) continue;
    const emoji = /\p{Extended_Pictographic}/u.test(segment) && (/\p{Emoji_Presentation}/u.test(segment) || segment.includes("\ufe0f"));
    width += emoji || WIDE.test(segment) ? 2 : 1;
  }
  return width;
}

/** Cuts text to at most `max` columns, ending with … when cut. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = "";
  for (const { segment } of segmenter.segment(text)) {
    if (displayWidth(out + segment) > max - 1) break;
    out += segment;
  }
  return out + "…";
}

/** Splits text into lines of at most `width` columns, at spaces where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/(?<= )/)) { // each word keeps its trailing space
      if (line !== "" && displayWidth((line + word).trimEnd()) > width) {
        lines.push(line.trimEnd());
        line = "";
      }
      line += word;
      // A word longer than a whole line is cut where the line ends.
      while (displayWidth(line.trimEnd()) > width) {
        const [head, tail] = splitAt(line, width);
        lines.push(head);
        line = tail;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

/** The longest start of `text` that fits `width` columns (at least one character), and the rest. */
function splitAt(text: string, width: number): [string, string] {
  let head = "";
  for (const { segment } of segmenter.segment(text)) {
    if (head !== "" && displayWidth(head + segment) > width) break;
    head += segment;
  }
  return [head, text.slice(head.length)];
}

/**
 * A table: columns padded to their widest cell, the last one free; when `width` (the terminal's)
 * is known, the last column is wrapped to what is left of it and its lines are indented under it.
 */
export function table(header: string[] | undefined, rows: string[][], options: { width?: number; style?: Style } = {}): string {
  const all = header ? [header, ...rows] : rows;
  const columns = Math.max(0, ...all.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(0, ...all.map((row) => (i < row.length - 1 ? displayWidth(row[i] ?? "") : 0))));
  const render = (row: string[]) => {
    const lead = row.slice(0, -1).map((cell, i) => cell + " ".repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell))) + "  ").join("");
    const indent = displayWidth(lead);
    const last = row[row.length - 1] ?? "";
    const room = options.width !== undefined ? options.width - indent : Infinity;
    const lines = room >= 20 ? wrap(last, room) : last.split("\n");
    return lines.map((line, i) => (i === 0 ? lead : " ".repeat(indent)) + line).join("\n").trimEnd();
  };
  const out = rows.map(render);
  if (header) out.unshift(options.style ? options.style.bold(render(header)) : render(header));
  return out.join("\n");
}

/** "12 s ago", "3 min ago", "2 h ago", "4 days ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.floor(h / 24)} days ago`;
}

/** "3 h 12 min", "45 s": how long something has been up. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

/** A message id (ms since 1970) as its local time of day, "14:03:27"; undefined if it is no time. */
export function messageTime(id: string): string | undefined {
  const date = messageDate(id);
  if (!date) return undefined;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** A message id as its local day, "2026-11-25"; undefined if it is no time. */
export function messageDay(id: string): string | undefined {
  const date = messageDate(id);
  if (!date) return undefined;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

function messageDate(id: string): Date | undefined {
  const date = new Date(Number(id));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
