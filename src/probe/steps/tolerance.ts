// docs/protocol.md "Framing", "Tolerate on input": CR LF; no terminator at all; a frame split over many
// reads, even inside a multi-byte UTF-8 character; several frames in one read; pretty-printed JSON;
// a message_id sent as a JSON number. And "What real peers do": unsolicited status frames are
// ignored, never answered (answering starts ping-pong between two peers).
import { setTimeout as delay } from "node:timers/promises";
import { describeReply, type ProbeContext } from "../context.js";
import { accepted } from "../target-connection.js";
import { expectAccepted, expectHelloAnswers } from "./accepts.js";

/** How long an unsolicited status frame must stay unanswered. */
const STATUS_SILENCE_MS = 500;

export async function checkTolerance(ctx: ProbeContext): Promise<void> {
  const helloJson = JSON.stringify({ command: "hello", peer_id: ctx.options.peerId });

  await expectHelloAnswers(ctx, ctx.check("accepts-crlf"), async (connection) => {
    // Twice: a CR left behind by the first frame must not spoil the second.
    connection.write(`${helloJson}\r\n`, ctx.check("accepts-crlf"));
    await delay(50);
    connection.write(`${helloJson}\r\n`, ctx.check("accepts-crlf"));
  }, 2, "two hellos ending with CR LF were both answered");

  await expectHelloAnswers(ctx, ctx.check("accepts-no-terminator"), (connection) => {
    connection.write(helloJson, ctx.check("accepts-no-terminator"));
  }, 1, "answered without waiting for a line end");

  await expectHelloAnswers(ctx, ctx.check("accepts-split"), (connection) => {
    // Cut inside "command" and between the two bytes of "ž".
    const bytes = Buffer.from(JSON.stringify({ command: "hello", peer_id: ctx.options.peerId, note: "žluťoučký kůň" }) + "\n");
    const accent = bytes.indexOf(Buffer.from("ž"));
    return connection.writePieces([bytes.subarray(0, 6), bytes.subarray(6, accent + 1), bytes.subarray(accent + 1)], 100,
      ctx.check("accepts-split"));
  }, 1, "the pieces were put together and answered");

  await expectHelloAnswers(ctx, ctx.check("accepts-glued"), (connection) => {
    connection.write(`${helloJson}\n${helloJson}\n`, ctx.check("accepts-glued"));
  }, 2, "both hellos of the one write were answered");

  await expectHelloAnswers(ctx, ctx.check("accepts-pretty"), (connection) => {
    connection.write(JSON.stringify({ command: "hello", peer_id: ctx.options.peerId }, null, 2) + "\n", ctx.check("accepts-pretty"));
  }, 1, "answered");

  const numeric = ctx.check("accepts-numeric-id");
  const session = await ctx.session(numeric);
  if (typeof session === "string") {
    numeric.na(`no session to send it on: ${session}`);
  } else {
    const id = ctx.clock.next();
    const text = `p2pchat probe ${ctx.options.peerId}: numeric message_id`;
    // Written by hand: the id is a bare JSON number (13 digits are exact in a double).
    const frame = `{"command":"new_message","message_id":${id},"message":${JSON.stringify(text)},"peer_id":${JSON.stringify(ctx.options.peerId)}}\n`;
    await expectAccepted(ctx, numeric, session, [{ id, text }], Buffer.from(frame));
  }

  const status = ctx.check("ignores-status-frames");
  const quiet = await ctx.session(status);
  if (typeof quiet === "string") {
    status.na(`no session to send it on: ${quiet}`);
    return;
  }
  quiet.write('{"status":"ok"}\n', status);
  const answer = await quiet.silence(Math.min(STATUS_SILENCE_MS, ctx.timeoutMs), status);
  if (answer) {
    status.fail(`answered it with ${answer.kind === "closed" ? `a close (${answer.why})` : describeReply(answer)}: ` +
      "two peers that answer status frames answer each other forever");
    return;
  }
  const reply = await quiet.request(ctx.helloFrame(), ctx.timeoutMs, status);
  if (accepted(reply)) {
    status.pass(`no answer within ${Math.min(STATUS_SILENCE_MS, ctx.timeoutMs)} ms, and a hello after it was answered`);
  } else {
    status.fail(`it stayed silent, but a hello after it got ${describeReply(reply)}`);
  }
}
