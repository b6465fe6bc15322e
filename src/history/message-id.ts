/**
 * Message ids (PROTOCOL.md "Identity"): at least 13 decimal digits, the sender's clock in ms.
 * They are compared numerically without converting to numbers, because ids longer than 15 digits
 * lose precision as doubles.
 */
const MESSAGE_ID = /^[0-9]{13,}$/;

export function isMessageId(id: string): boolean {
  return MESSAGE_ID.test(id);
}

/** Numeric order of two valid ids (leading zeros ignored). */
export function compareMessageIds(a: string, b: string): number {
  const x = stripZeros(a);
  const y = stripZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripZeros(id: string): string {
  const first = id.search(/[1-9]/);
  return first < 0 ? "0" : id.slice(first);
}

/**
 * Accepts an id as received on the wire: a string of digits, or a JSON number, which some peers
 * send (PROTOCOL.md "Tolerate"). A number is taken only while it is an exact integer.
 */
export function normalizeMessageId(raw: unknown): string | undefined {
  if (typeof raw === "string") return isMessageId(raw) ? raw : undefined;
  if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) {
    const text = String(raw);
    return isMessageId(text) ? text : undefined;
  }
  return undefined;
}

/**
 * Our own ids: the clock in ms, but strictly increasing, so two sends in one millisecond (or a
 * clock stepping back) never collide.
 */
export class MessageIdClock {
  private last = 0;
  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    this.last = Math.max(this.last + 1, Math.floor(this.now()));
    return String(this.last);
  }

}
