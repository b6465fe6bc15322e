// docs/protocol.md §2: connect, say hello, get the whole history back; send a new_message, get an ack;
// the receiver stores it under the peer_id the connection introduced itself with.
import { describeReply, type ProbeContext } from "../context.js";
import { accepted } from "../target-connection.js";

export interface SentMessage {
  id: string;
  text: string;
}

/**
 * The first connection: tcp-hello and new-message-ack. Resolves with the message sent, or
 * undefined (ctx.unreachable says why when there was no TCP connection at all).
 */
export async function probeSession(ctx: ProbeContext): Promise<SentMessage | undefined> {
  const hello = ctx.check("tcp-hello");
  const connection = await ctx.tryConnect();
  if (typeof connection === "string") {
    ctx.unreachable = connection;
    hello.fail(ctx.unreachable);
    return undefined;
  }
  const started = Date.now();
  const reply = await connection.request(ctx.helloFrame(), ctx.timeoutMs, hello);
  ctx.saidHello();
  const ack = ctx.check("new-message-ack");
  if (reply.kind !== "frame" || !accepted(reply)) {
    hello.fail(`the hello got ${describeReply(reply)}`);
    ack.na("no hello was answered ok, so there is no session to send on");
    return undefined;
  }
  ctx.helloAnswered = true;
  ctx.noteHelloReply(connection, reply);
  const { messages } = reply.value;
  if (typeof messages !== "object" || messages === null || Array.isArray(messages)) {
    hello.fail(`the answer's "messages" is ${messages === undefined ? "missing" : JSON.stringify(messages).slice(0, 60)}: it must be the history object`);
  } else {
    const count = Object.keys(messages).length;
    hello.pass(`answered in ${Date.now() - started} ms with a history of ${count} message${count === 1 ? "" : "s"}`);
  }

  const message: SentMessage = { id: ctx.clock.next(), text: `p2pchat probe ${ctx.options.peerId}: žluťoučký kůň úpěl ✓` };
  const ackStarted = Date.now();
  const answer = await connection.request(ctx.newMessage(message.id, message.text), ctx.timeoutMs, ack);
  if (accepted(answer)) {
    ctx.acksWork = true;
    ack.pass(`acked in ${Date.now() - ackStarted} ms`);
  } else {
    if (answer.kind === "timeout") ctx.acksWork = false;
    ack.fail(answer.kind === "frame" && answer.value.status === "error"
      ? `refused: ${describeReply(answer)}`
      : `expected {"status":"ok"}, got ${describeReply(answer)}`);
  }
  return message;
}

/** new-message-stored: the message is in the target's history under the probe's peer_id. */
export async function checkStored(ctx: ProbeContext, message: SentMessage | undefined): Promise<void> {
  const check = ctx.check("new-message-stored");
  if (!message) {
    check.na("no new_message could be sent");
    return;
  }
  const history = await ctx.pollHistory((h) => h.entries.has(message.id));
  if (typeof history === "string") {
    check.na(`the history could not be read: ${history}`);
    return;
  }
  history.record(check);
  const entry = history.entries.get(message.id);
  if (!entry) {
    check.fail(`message ${message.id} is not in the history (read through ${history.via}, waited up to ${ctx.timeoutMs} ms)`);
  } else if (entry.peer_id !== ctx.options.peerId) {
    check.fail(`stored under peer_id ${JSON.stringify(entry.peer_id)}, not ${JSON.stringify(ctx.options.peerId)} of the connection's hello`);
  } else if (entry.message !== message.text) {
    check.fail(`stored with different text: ${JSON.stringify(entry.message).slice(0, 80)} (sent ${JSON.stringify(message.text)})`);
  } else {
    check.pass(`message ${message.id} is stored under ${JSON.stringify(entry.peer_id)}, text intact (read through ${history.via})`);
  }
}
