// docs/protocol.md "Framing": MUST send compact JSON, UTF-8, one frame per line, ending with `\n`.
// JSON.stringify without indentation is compact and escapes every control character (so the frame
// stays on one line) and every lone surrogate (so the bytes are valid UTF-8).

/** Encode one frame. Throws a TypeError for a value that does not serialise to a JSON object. */
export function encodeFrame(value: object): Buffer {
  const json: unknown = JSON.stringify(value);
  // docs/protocol.md: every frame is one JSON object; an array (or a toJSON() returning something
  // else) is a bug on our side, better caught here than by the peer.
  if (typeof json !== "string" || json.charCodeAt(0) !== 0x7b /* { */) {
    throw new TypeError("encodeFrame: value must serialise to a JSON object");
  }
  return Buffer.from(json + "\n", "utf8");
}
