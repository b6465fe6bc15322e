// Renders docs/errors.md from the errors catalogue (src/errors.ts), so the reference can never
// say something the program does not. `node scripts/errors-doc.mjs` writes it; a test compares.
import { ERROR_CODES, ERRORS, type ErrorKind } from "./errors.js";

const SECTIONS: ReadonlyArray<[ErrorKind, string, string]> = [
  ["frame", "Frames that cannot be decoded",
    'Answered `{"status":"error","message":"<CODE>: <why>"}`; the connection stays usable (docs/protocol.md "Framing"), ' +
    "except after `E_FRAME_TOO_LARGE`, which closes it."],
  ["command", "Commands refused",
    'Answered `{"status":"error","message":"<CODE>: <why>"}`; nothing is stored and the connection stays usable (docs/protocol.md §2).'],
  ["connection", "Connections",
    "Why a TCP connection ended or a message could not go out yet. The last one of each peer shows in " +
    "`p2pchat peers`, in the web page's peer list and in `GET /peers`, with the hint below."],
  ["http", "HTTP API", 'Answered with an HTTP error status and `{"status":"error","message":"<CODE>: <why>"}`.'],
];

/** Markdown table cells hold no line breaks and no bare `|`. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

/** Placeholders read as what they stand for. */
function readable(hint: string): string {
  return hint.replace(/\{port\}/g, "<port>").replace(/\{address\}/g, "<address>").replace(/\{reason\}/g, "<reason>");
}

export function renderErrorsDoc(): string {
  const lines = [
    "# Error codes",
    "",
    "<!-- Generated from src/errors.ts by `node scripts/errors-doc.mjs` (after `npm run build`). Do not edit by hand. -->",
    "",
    "Every error p2pchat reports carries a stable code: peers, scripts and tests match on the code, never on",
    "the words after it. Codes are only ever added, never renamed. In hints, `<port>` is the protocol port",
    "(9876 unless configured), `<address>` the peer's address and `<reason>` the words that came with the error.",
    "Most hints are read as a sentence about the peer that caused the error (\"<peer> sent something that is not",
    "JSON ...\"); the peers view shows them that way, next to the peer's name. Where a hint cites PROTOCOL.md,",
    "it means the class protocol, which this repository writes down as [protocol.md](protocol.md).",
  ];
  for (const [kind, title, intro] of SECTIONS) {
    lines.push("", `## ${title}`, "", intro, "", "| Code | Meaning | Hint |", "| --- | --- | --- |");
    for (const code of ERROR_CODES.filter((c) => ERRORS[c].kind === kind)) {
      lines.push(`| \`${code}\` | ${cell(ERRORS[code].meaning)} | ${cell(readable(ERRORS[code].hint))} |`);
    }
  }
  return lines.join("\n") + "\n";
}
