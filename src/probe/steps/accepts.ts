// Helpers for the tolerance checks: send something a careful peer would not, and see whether the
// target still answers as the protocol says.
import { describeReply, type ProbeContext } from "../context.js";
import type { Check } from "../report.js";
import { accepted, type TargetConnection } from "../target-connection.js";

/**
 * Opens a connection, lets `send` write a hello in some shape, and passes the check if `count`
 * ok answers come back. Hello is the one command every peer answers, so it carries these checks.
 */
export async function expectHelloAnswers(
  ctx: ProbeContext,
  check: Check,
  send: (connection: TargetConnection) => void | Promise<void>,
  count: number,
  passDetail: string,
): Promise<void> {
  const connection = await ctx.tryConnect();
  if (typeof connection === "string") {
    check.na(connection);
    return;
  }
  await send(connection);
  ctx.saidHello();
  for (let i = 0; i < count; i++) {
    const reply = await connection.next(ctx.timeoutMs, check);
    if (reply.kind !== "frame" || !accepted(reply)) {
      check.fail(`${count > 1 ? `answer ${i + 1} of ${count}: ` : ""}expected {"status":"ok",...}, got ${describeReply(reply)}`);
      return;
    }
    ctx.noteHelloReply(connection, reply);
  }
  check.pass(passDetail);
}

export interface Outgoing {
  id: string;
  text: string;
}

/**
 * Writes `bytes` (carrying `messages`) on a session and passes the check if every message is
 * acked. A target that does not ack at all (new-message-ack) is judged by its history instead, so
 * that one missing feature is not reported again under every check.
 */
export async function expectAccepted(
  ctx: ProbeContext,
  check: Check,
  connection: TargetConnection,
  messages: readonly Outgoing[],
  bytes: Buffer | Buffer[],
  pieceGapMs = 0,
): Promise<void> {
  if (Array.isArray(bytes)) await connection.writePieces(bytes, pieceGapMs, check);
  else connection.write(bytes, check);
  const n = messages.length;
  let acked = 0;
  let missing: string | undefined;
  for (let i = 0; i < n; i++) {
    // Keep a long burst's evidence short: the first acks and the last say it all.
    const shown = i < 3 || i === n - 1 ? check : undefined;
    const reply = await connection.next(ctx.ackWaitMs, shown);
    if (accepted(reply)) {
      acked += 1;
      continue;
    }
    if (reply.kind === "frame" || reply.kind === "bad") {
      check.fail(`${n > 1 ? `message ${i + 1} of ${n}: ` : ""}expected {"status":"ok"}, got ${describeReply(reply)}`);
      return;
    }
    missing = describeReply(reply);
    break;
  }
  if (acked === n) {
    check.pass(n > 1 ? `all ${n} acked` : "acked");
    return;
  }
  if (n > 3 && acked > 3) check.note(connection.label, `(${acked} acks in all)`);
  const history = await ctx.pollHistory((h) => messages.every((m) => h.entries.has(m.id)));
  const noAck = n === 1 ? `not acked: ${missing}` : `${acked} of ${n} acked, then ${missing}`;
  if (typeof history === "string") {
    check.fail(`${noAck}; the history could not be read to see whether it was taken: ${history}`);
    return;
  }
  history.record(check);
  const notStored = messages.filter((m) => history.entries.get(m.id)?.message !== m.text);
  if (notStored.length === 0) {
    check.pass(`${noAck}, but ${n > 1 ? `all ${n} are` : "it is"} stored (${history.via}); the missing ack is new-message-ack's finding`);
  } else {
    check.fail(`${noAck}; ${notStored.length} of ${n} not stored either (${history.via}), e.g. id ${notStored[0]?.id}`);
  }
}
