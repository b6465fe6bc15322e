// docs/protocol.md "Framing": MUST send compact JSON, UTF-8, one frame per line, ending with `\n`.
// JSON.stringify without indentation is compact and escapes every control character (so the frame
// stays on one line) and every lone surrogate (so the bytes are valid UTF-8).

/** Frames made by encodedOnce(), with their bytes (never written to: every write sends them). */
const ENCODED = new WeakMap<object, Buffer>();

/**
 * Encodes `frame` now and returns it frozen: every encodeFrame() of it afterwards gives those same
 * bytes. For a frame sent to many peers (a new message goes to every one): one JSON.stringify
 * for all of them. Frozen, so the bytes cannot drift from what the object says.
 */
export function encodedOnce<T extends object>(frame: T): Readonly<T> {
  const frozen = Object.freeze(frame);
  ENCODED.set(frozen, encodeFrame(frozen));
  return frozen;
}

/** The ack of every stored message (docs/protocol.md §2): one object, encoded once. */
export const ACK_OK: Readonly<{ status: "ok" }> = encodedOnce({ status: "ok" });

/** Encode one frame. Throws a TypeError for a value that does not serialise to a JSON object. */
export function encodeFrame(value: object): Buffer {
  const encoded = ENCODED.get(value);
  if (encoded !== undefined) return encoded;
  const json: unknown = JSON.stringify(value);
  // docs/protocol.md: every frame is one JSON object; an array (or a toJSON() returning something
  // else) is a bug on our side, better caught here than by the peer.
  if (typeof json !== "string" || json.charCodeAt(0) !== 0x7b /* { */) {
    throw new TypeError("encodeFrame: value must serialise to a JSON object");
  }
  return Buffer.from(json + "\n", "utf8");
}
