// docs/protocol.md §2 and "Framing": a new_message before hello is refused; a malformed command and
// anything that is not a JSON object is answered {"status":"error","message":"<why>"}, nothing of
// it is stored, and the connection stays usable.
import { encodeFrame } from "../../protocol/encoder.js";
import { describeReply, type ProbeContext } from "../context.js";
import type { CheckId } from "../catalogue.js";
import type { Check } from "../report.js";
import { accepted, type Reply, type TargetConnection } from "../target-connection.js";

/** Judges an answer that must be an error reply; returns the detail for a pass, or fails the check. */
function judgeErrorReply(check: Check, reply: Reply): string | undefined {
  if (reply.kind === "frame" && reply.value.status === "error") {
    if (typeof reply.value.message !== "string") {
      check.fail(`answered status "error" without a "message" string: ${describeReply(reply)}`);
      return undefined;
    }
    return `answered ${describeReply(reply)}`;
  }
  if (accepted(reply)) check.fail(`accepted it: ${describeReply(reply)}`);
  else if (reply.kind === "closed") check.fail(`closed the connection instead of answering with an error (${reply.why})`);
  else check.fail(`expected {"status":"error","message":...}, got ${describeReply(reply)}`);
  return undefined;
}

export async function checkBeforeHello(ctx: ProbeContext): Promise<void> {
  const check = ctx.check("before-hello-refused");
  const connection = await ctx.tryConnect();
  if (typeof connection === "string") {
    check.na(connection);
    return;
  }
  const id = ctx.clock.next();
  const text = `p2pchat probe ${ctx.options.peerId}: sent before hello, must not be stored`;
  const reply = await connection.request(ctx.newMessage(id, text), ctx.timeoutMs, check);
  const detail = judgeErrorReply(check, reply);
  if (detail) ctx.expectAbsent({ check, id, text, detail });
}

interface ErrorCase {
  id: CheckId;
  bytes: (ctx: ProbeContext) => { bytes: Buffer; absentId?: string; absentText?: string };
}

const CASES: ErrorCase[] = [
  {
    id: "error-unknown-command",
    bytes: (ctx) => ({ bytes: encodeFrame({ command: "no_such_command", peer_id: ctx.options.peerId }) }),
  },
  {
    id: "error-bad-id",
    bytes: (ctx) => {
      const text = `p2pchat probe ${ctx.options.peerId}: id of 5 digits, must not be stored`;
      return { bytes: ctx.newMessage("12345", text), absentText: text };
    },
  },
  {
    id: "error-no-message",
    bytes: (ctx) => {
      const id = ctx.clock.next();
      return {
        bytes: encodeFrame({ command: "new_message", message_id: id, peer_id: ctx.options.peerId }),
        absentId: id,
      };
    },
  },
  { id: "error-not-json", bytes: () => ({ bytes: Buffer.from("this is not JSON\n") }) },
  { id: "error-not-object", bytes: () => ({ bytes: Buffer.from('["not","an","object"]\n') }) },
];

/** The malformed-input checks, on one session after hello, then whether it is still usable. */
export async function checkErrorReplies(ctx: ProbeContext): Promise<void> {
  let connection: TargetConnection | undefined;
  let answeredErrors = 0;
  let lost: string | undefined;
  for (const { id, bytes } of CASES) {
    const check = ctx.check(id);
    // After a timeout a late answer could be taken for the next one: start again on a new session.
    if (!connection || connection.closed || connection.outOfStep) {
      const session = await ctx.session(check);
      if (typeof session === "string") {
        check.na(`no session to send it on: ${session}`);
        continue;
      }
      connection = session;
      answeredErrors = 0;
    }
    const made = bytes(ctx);
    const reply = await connection.request(made.bytes, ctx.timeoutMs, check);
    const detail = judgeErrorReply(check, reply);
    if (detail) {
      answeredErrors += 1;
      if (made.absentId !== undefined || made.absentText !== undefined) {
        ctx.expectAbsent({ check, ...(made.absentId ? { id: made.absentId } : {}), ...(made.absentText ? { text: made.absentText } : {}), detail });
      } else {
        check.pass(detail);
      }
    }
    if (reply.kind === "closed") lost ??= `the target closed ${connection.label} after ${id}`;
  }

  const usable = ctx.check("usable-after-errors");
  if (lost) {
    usable.fail(lost);
    return;
  }
  if (!connection || connection.closed || connection.outOfStep || answeredErrors === 0) {
    usable.na("no error reply arrived on an open connection, so there is nothing to stay usable after");
    return;
  }
  const reply = await connection.request(ctx.helloFrame(), ctx.timeoutMs, usable);
  if (accepted(reply)) {
    usable.pass(`after ${answeredErrors} error replies on ${connection.label}, a hello there was answered ok`);
  } else {
    usable.fail(`after ${answeredErrors} error replies on ${connection.label}, a hello got ${describeReply(reply)}`);
  }
}
