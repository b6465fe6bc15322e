// The heavy cases, run only with --stress: they send many or large messages, which land in the
// target's chat (and, through its /messages, in front of its user).
import { setTimeout as delay } from "node:timers/promises";
import { compareMessageIds } from "../../protocol/message-id.js";
import { describeReply, type ProbeContext } from "../context.js";
import { accepted } from "../target-connection.js";
import { expectAccepted, expectHelloAnswers, type Outgoing } from "./accepts.js";

/** docs/protocol.md §3: a peer keeps only the newest 100 messages. */
export const HISTORY_LIMIT = 100;
/** Enough beyond the limit that the oldest of them must go. */
const HISTORY_FILL = HISTORY_LIMIT + 5;
const BURST = 20;
const LARGE_MESSAGE_BYTES = 256 * 1024;
/** Pause between the bytes of the one-byte-per-write hello. */
const BYTE_GAP_MS = 5;
/** Pace of the fill when the target does not ack: no flood even then. */
const UNACKED_PACE_MS = 10;

export async function checkStress(ctx: ProbeContext): Promise<void> {
  const hello = ctx.helloFrame();
  await expectHelloAnswers(ctx, ctx.check("accepts-byte-per-write"), (connection) => {
    const bytes = [...hello].map((b) => Buffer.from([b]));
    return connection.writePieces(bytes, BYTE_GAP_MS, ctx.check("accepts-byte-per-write"));
  }, 1, `${hello.length} writes of one byte, answered`);

  const burst = ctx.check("accepts-burst");
  const burstSession = await ctx.session(burst);
  if (typeof burstSession === "string") {
    burst.na(`no session to send on: ${burstSession}`);
  } else {
    const messages = outgoing(ctx, BURST, "burst");
    await expectAccepted(ctx, burst, burstSession, messages,
      Buffer.concat(messages.map((m) => ctx.newMessage(m.id, m.text))));
  }

  const large = ctx.check("accepts-large-message");
  const largeSession = await ctx.session(large);
  if (typeof largeSession === "string") {
    large.na(`no session to send on: ${largeSession}`);
  } else {
    const id = ctx.clock.next();
    const text = `p2pchat probe ${ctx.options.peerId}: large message ` + "0123456789abcdef".repeat(LARGE_MESSAGE_BYTES / 16);
    largeSession.write(ctx.newMessage(id, text), large);
    const reply = await largeSession.next(ctx.ackWaitMs, large);
    if (reply.kind === "frame" && reply.value.status === "error") {
      // The protocol sets no size limit, and a peer may well keep one (p2pchat refuses over
      // 64 KiB): a clear refusal on a connection that goes on working is a fine answer.
      const after = await largeSession.request(ctx.helloFrame(), ctx.timeoutMs, large);
      if (accepted(after)) {
        large.pass(`refused with an error reply (a size limit), and the connection goes on: ${describeReply(reply)}`);
      } else {
        large.fail(`refused with ${describeReply(reply)}, but a hello after it got ${describeReply(after)}`);
      }
    } else if (accepted(reply)) {
      large.pass("acked");
    } else {
      large.fail(`expected an ack or an error reply, got ${describeReply(reply)}`);
    }
  }

  await checkHistoryLimit(ctx);
}

function outgoing(ctx: ProbeContext, count: number, what: string): Outgoing[] {
  return Array.from({ length: count }, (_, i) => ({
    id: ctx.clock.next(),
    text: `p2pchat probe ${ctx.options.peerId}: ${what} ${i + 1} of ${count}`,
  }));
}

/** Sends HISTORY_FILL messages one at a time, each after the last one's ack (docs/protocol.md). */
async function checkHistoryLimit(ctx: ProbeContext): Promise<void> {
  const check = ctx.check("history-limit");
  const before = await ctx.fetchHistory();
  if (typeof before === "string") {
    check.na(`the history could not be read: ${before}`);
    return;
  }
  const session = await ctx.session(check);
  if (typeof session === "string") {
    check.na(`no session to send on: ${session}`);
    return;
  }
  const messages = outgoing(ctx, HISTORY_FILL, "history fill");
  check.sent(session.label, ctx.newMessage(messages[0]!.id, messages[0]!.text));
  check.note(session.label, `(... ${HISTORY_FILL} such new_messages, ${ctx.acksWork === false ? `${UNACKED_PACE_MS} ms apart: it does not ack` : "each after the ack of the one before"})`);
  for (const [i, message] of messages.entries()) {
    session.write(ctx.newMessage(message.id, message.text));
    if (ctx.acksWork === false) {
      await delay(UNACKED_PACE_MS);
      continue;
    }
    const reply = await session.next(ctx.timeoutMs);
    if (reply.kind !== "frame" || !accepted(reply)) {
      check.fail(`message ${i + 1} of ${HISTORY_FILL} got ${describeReply(reply)} instead of an ack`);
      return;
    }
  }
  const newest = messages[messages.length - 1]!;
  const after = await ctx.pollHistory((h) => h.entries.has(newest.id));
  if (typeof after === "string") {
    check.na(`the history could not be read afterwards: ${after}`);
    return;
  }
  after.record(check);
  // What §3 keeps: the newest 100 of what it had and what came, ours and, on a live LAN, other
  // peers' chat that arrived meanwhile (which shows up in the history read afterwards).
  const union = [...new Set([...before.entries.keys(), ...messages.map((m) => m.id), ...after.entries.keys()])]
    .sort(compareMessageIds);
  const kept = new Set(union.slice(-HISTORY_LIMIT));
  const ours = messages.map((m) => m.id);
  const lost = ours.filter((id) => kept.has(id) && !after.entries.has(id));
  const stale = ours.filter((id) => !kept.has(id) && after.entries.has(id));
  const size = after.count;
  // A fair history (p2pchat's) lets the author who holds the most give up their oldest, so that
  // one flooding peer cannot push the others out: our messages that are missing then made room
  // for other authors' older ones. That is a choice §3 leaves room for, not a lost message.
  const oursSet = new Set(ours);
  const othersOlderKept = [...after.entries.keys()].filter((id) => !oursSet.has(id) && !kept.has(id)).length;
  const oursKept = ours.filter((id) => after.entries.has(id));
  const oursNewestKept = oursKept.every((id, i) => id === ours[ours.length - oursKept.length + i]);
  const fairShare = lost.length > 0 && lost.length <= othersOlderKept && oursNewestKept;
  if (size > HISTORY_LIMIT) {
    check.fail(`it holds ${size} messages after ${HISTORY_FILL} new ones (read through ${after.via})`);
  } else if (fairShare) {
    check.pass(`after ${HISTORY_FILL} new messages it holds ${size}: our newest ${oursKept.length}, and ${othersOlderKept} older ` +
      `messages of other authors kept instead of our oldest (a fair share per author; read through ${after.via})`);
  } else if (lost.length > 0) {
    check.fail(`${lost.length} of the newest messages are missing, e.g. ${lost[0]} (read through ${after.via})`);
  } else if (stale.length > 0) {
    check.fail(`it kept ${stale.length} older messages and dropped newer ones, e.g. kept ${stale[0]} (read through ${after.via})`);
  } else {
    check.pass(`after ${HISTORY_FILL} new messages it holds ${size}: the newest, the oldest dropped (read through ${after.via})`);
  }
}
