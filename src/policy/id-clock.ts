// Ids are judged against our clock (docs/protocol.md "Clocks are wrong"). A message id is meant to be
// the sender's clock in ms since 1970, and every peer keeps the newest 100 by id: so one id from
// the future outranks every message of the present, and 100 of them make every later message
// "too old" in every history that takes them. A peer that counts microseconds (16 digits, from
// `time.time_ns() // 1000`) or whose clock is an hour ahead silences the room that way.
//
// The rule: an id more than `maxAheadMs` ahead of our clock is refused, with an error reply that
// tells the sender what is wrong with its clock; ids behind our clock are fine (they only rank
// lower), down to the history's own "too old" rule, which is answered as an error too.

/** Clocks on a LAN disagree by seconds, a VM's by minutes; ours may be the wrong one. */
export const DEFAULT_MAX_AHEAD_MS = 5 * 60_000;

export interface IdVerdict {
  code: "E_ID_FROM_FUTURE";
  /** Words for the sender, fit for `{"status":"error","message":"E_ID_FROM_FUTURE: ..."}`. */
  why: string;
}

/** Units a wrong clock may count in, by how many digits they have now (ms have 13 until 2286). */
const UNITS: Array<{ digits: number; name: string }> = [
  { digits: 16, name: "microseconds" },
  { digits: 19, name: "nanoseconds" },
];

/**
 * Undefined if `id` (a valid id: 13+ digits, no leading zeros) is not ahead of `nowMs` by more
 * than `maxAheadMs`; else why it is refused.
 */
export function judgeIdAgainstClock(id: string, nowMs: number, maxAheadMs = DEFAULT_MAX_AHEAD_MS): IdVerdict | undefined {
  // Up to 15 digits an id is exact as a double: today's 13-digit ids, once per message, need no
  // BigInt. Longer ones (microsecond clocks) are compared exactly.
  if (id.length <= 15 && Number(id) <= Math.floor(nowMs + maxAheadMs)) return undefined;
  const limit = BigInt(Math.floor(nowMs + maxAheadMs));
  const value = BigInt(id);
  if (value <= limit) return undefined;
  const now = String(Math.floor(nowMs));
  const unit = UNITS.find((u) => Math.abs(id.length - u.digits) <= 1 && id.length > now.length + 1);
  if (unit) {
    return {
      code: "E_ID_FROM_FUTURE",
      why: `message_id ${id} has ${id.length} digits: it looks like ${unit.name}; ids are milliseconds since 1970 (${now.length} digits now, e.g. ${now})`,
    };
  }
  const ahead = value - BigInt(now);
  return {
    code: "E_ID_FROM_FUTURE",
    why: `message_id ${id} is ${describeAhead(ahead)} ahead of our clock (${now}): ids are milliseconds since 1970; check your clock`,
  };
}

function describeAhead(ms: bigint): string {
  const seconds = Number(ms / 1000n);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
