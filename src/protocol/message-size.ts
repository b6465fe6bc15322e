/**
 * Whether `text` takes more than `maxBytes` bytes in UTF-8 ([HISTORY] max_message_bytes). A
 * UTF-16 code unit is at most 3 bytes of UTF-8 (a pair of surrogates 4 for the two), so a text of
 * up to maxBytes / 3 units is within the limit without encoding it: every chat line, checked at
 * every message received, sent or published.
 */
export function isOverBytes(text: string, maxBytes: number): boolean {
  return text.length * 3 > maxBytes && Buffer.byteLength(text) > maxBytes;
}
