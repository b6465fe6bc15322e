// How a frame was written, for the conventions checks: docs/protocol.md "Framing" asks every peer to
// send compact JSON, one frame per line. Pure, so it is tested byte by byte.

export interface FrameForm {
  compact: boolean;
  /** Line breaks inside the frame (outside its strings). */
  lineBreaks: number;
  /** Other whitespace between tokens: spaces, tabs, CRs. */
  spaces: number;
}

/** Looks at a frame's own bytes (from `{` to `}`) for whitespace outside strings. */
export function frameForm(bytes: Uint8Array): FrameForm {
  let inString = false;
  let escaped = false;
  let lineBreaks = 0;
  let spaces = 0;
  for (const b of bytes) {
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (b === 0x0a) {
      lineBreaks++;
    } else if (b === 0x20 || b === 0x09 || b === 0x0d) {
      spaces++;
    }
  }
  return { compact: lineBreaks === 0 && spaces === 0, lineBreaks, spaces };
}

/** "spread over 5 lines" / "spaces between tokens", for a report line. */
export function describeForm(form: FrameForm): string {
  if (form.compact) return "compact";
  if (form.lineBreaks > 0) return `spread over ${form.lineBreaks + 1} lines`;
  return `${form.spaces} spaces between tokens`;
}
