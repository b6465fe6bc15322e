// The checks decided by the target's history as a whole: what must not have been stored, the
// shape of every history it sent (docs/protocol.md §2, Identity) and, without --stress, the limit (§3).
import type { ProbeContext } from "../context.js";
import { checkHistory } from "../history-shape.js";
import { HISTORY_LIMIT } from "./stress.js";

/** Decides the checks waiting on "and it was not stored" (malformed or early new_messages). */
export async function checkNothingStored(ctx: ProbeContext): Promise<void> {
  if (ctx.mustBeAbsent.length === 0) return;
  const history = await ctx.fetchHistory();
  for (const { check, id, text, detail } of ctx.mustBeAbsent) {
    if (typeof history === "string") {
      check.pass(`${detail}; whether it was stored could not be checked: ${history}`);
      continue;
    }
    const stored = Object.entries(history.raw).find(([key, entry]) =>
      key === id || (text !== undefined && (entry as { message?: unknown } | null)?.message === text));
    if (stored) {
      history.record(check);
      check.fail(`${detail}, but stored it anyway, as ${JSON.stringify(stored[0])} (${history.via})`);
    } else {
      check.pass(`${detail}; not stored (${history.via})`);
    }
  }
}

/** history-shape over every hello reply; history-limit when --stress did not exercise it. */
export function checkHistoryShapes(ctx: ProbeContext): void {
  const check = ctx.check("history-shape");
  let entries = 0;
  let largest: (typeof ctx.helloHistories)[number] | undefined;
  let largestCount = -1;
  for (const reply of ctx.helloHistories) {
    const shape = checkHistory(reply.messages);
    if (shape.problems.length > 0) {
      check.received(reply.label, reply.bytes);
      check.fail(`the history in the hello reply on ${reply.label}: ${shape.problems.slice(0, 3).join("; ")}` +
        (shape.problems.length > 3 ? `; and ${shape.problems.length - 3} more` : ""));
      break;
    }
    entries += shape.valid.length;
    if (shape.valid.length > largestCount) {
      largestCount = shape.valid.length;
      largest = reply;
    }
  }
  if (ctx.helloHistories.length === 0) check.na("no hello was answered");
  else if (entries === 0) check.na("every history it sent was empty: there was no entry to check");
  else {
    if (largest) check.received(largest.label, largest.bytes);
    check.pass(`every entry of its ${ctx.helloHistories.length} hello replies (${entries} in all) is an id of 13+ digits with {peer_id, message}`);
  }

  const limit = ctx.check("history-limit");
  if (ctx.largestHistory > HISTORY_LIMIT) {
    limit.fail(`it sent a history of ${ctx.largestHistory} messages; §3 keeps the newest ${HISTORY_LIMIT}`);
  } else {
    limit.na(`not exercised: that takes ${HISTORY_LIMIT + 5} messages (--stress); the largest history it sent held ${ctx.largestHistory}`);
  }
}
