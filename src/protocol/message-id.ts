/**
 * Message ids (docs/protocol.md "Identity and ports"): "a string of at least 13 decimal digits: the
 * sender's clock in milliseconds since 1970". An id is therefore a number written in decimal, and
 * two spellings of one number are one message.
 *
 * The rule, in full:
 * - Accepted: a string of 13 or more decimal digits, exactly as docs/protocol.md says, leading zeros
 *   included ("0000000000042" is 13 digits and follows the letter of the protocol); and a JSON
 *   number (docs/protocol.md "Tolerate": "a message id sent as a JSON number") that is an exact
 *   non-negative integer whose decimal form has 13 or more digits, i.e. the string it stands for.
 * - Canonical form, under which an id is stored, compared and sent on: leading zeros dropped, then
 *   zeros put back only as far as 13 digits. So "0001707243010934", "01707243010934",
 *   "1707243010934" and the number 1707243010934 are all message "1707243010934"; a classmate
 *   who zero-pads ids to a fixed width (e.g. 16 digits, so that ms and µs ids sort as text) still
 *   means the millisecond 1707243010934. Without this, 0N, 000N and N were kept as three messages,
 *   although §3 orders them "by id, numerically" as one.
 * - Refusing ids whose value is under 13 digits ("strip zeros, then require 13") was considered
 *   and not chosen: it would answer an error to ids the protocol calls valid. The canonical form
 *   keeps every accepted id 13+ digits long, so it is still an id by the protocol's own rule.
 *
 * Ids are compared as digit strings, never converted to numbers: ids longer than 15 digits
 * (microsecond clocks, "What real peers do") lose precision as doubles.
 */

/** docs/protocol.md "Identity and ports": at least 13 decimal digits. */
export const MIN_MESSAGE_ID_DIGITS = 13;

/**
 * True for any spelling the protocol allows: a string of 13+ decimal digits, canonical or not.
 * A loop rather than /^[0-9]{13,}$/: it runs for every message received, twice, and a pattern's
 * match is a trip into the regular expression's own compiled code, cold at a chat's pace.
 */
export function isMessageId(id: string): boolean {
  if (id.length < MIN_MESSAGE_ID_DIGITS) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/** True for an id in the form it is stored under: see canonicalMessageId. */
export function isCanonicalMessageId(id: string): boolean {
  return isMessageId(id) && canonicalMessageId(id) === id;
}

/** The one spelling of a valid id: leading zeros dropped, then put back only up to 13 digits. */
export function canonicalMessageId(id: string): string {
  return stripZeros(id).padStart(MIN_MESSAGE_ID_DIGITS, "0");
}

/** Numeric order of two valid ids (leading zeros ignored, so two spellings of one id compare 0). */
export function compareMessageIds(a: string, b: string): number {
  // Without leading zeros the longer is the larger, and equal lengths compare as text. Ids of
  // today's clock have none to strip (this runs several times per message stored).
  if (a.charCodeAt(0) !== ZERO && b.charCodeAt(0) !== ZERO) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

const ZERO = 0x30;
const NINE = 0x39;

/**
 * `id` without its leading zeros. Stored ids are canonical, and one of today's clock has none:
 * then it is `id` itself, with nothing sliced (this runs several times per message stored).
 */
function stripZeros(id: string): string {
  let first = 0;
  while (first < id.length && id.charCodeAt(first) === ZERO) first++;
  if (first === 0) return id;
  return first === id.length ? "0" : id.slice(first);
}

/**
 * An id as received on the wire (a `message_id` field or a history key), in canonical form; or
 * undefined if it is not an id. A JSON number is taken only while it is an exact integer: beyond
 * 2^53 the digits the sender meant are already lost.
 */
export function normalizeMessageId(raw: unknown): string | undefined {
  let text: string;
  if (typeof raw === "string") text = raw;
  else if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) text = String(raw);
  else return undefined;
  return isMessageId(text) ? canonicalMessageId(text) : undefined;
}

/** Digits that Number() reads exactly (up to 15). */
const SAFE_DIGITS = /^[0-9]{1,15}$/;

/**
 * Our own ids: the clock in ms, but strictly increasing, so two sends in one millisecond (or a
 * clock stepping back) never collide. A clock after 1973 gives 13 digits without leading zeros,
 * i.e. canonical ids.
 */
export class MessageIdClock {
  private last = 0;
  constructor(private readonly now: () => number = Date.now) {}

  /** The next id: now, or just after the last one, or just after `after` (an id we must follow). */
  next(after?: string): string {
    const floor = after !== undefined && SAFE_DIGITS.test(after) ? Number(after) + 1 : 0;
    this.last = Math.max(this.last + 1, Math.floor(this.now()), floor);
    return String(this.last);
  }
}
