// docs/protocol.md §4: GET /messages answers the history object, oldest first; GET /send?message=...
// stores the message as the peer's own, sends it to all peers and answers {"status":"ok"}.
import type { BackConnection } from "../back-channel.js";
import type { ProbeContext } from "../context.js";
import { checkHistory } from "../history-shape.js";
import { httpGet, parseJson, type HttpOutcome } from "../http-client.js";
import { parseCommand, unwrapHistoryBody } from "../../protocol/frames.js";
import type { Check } from "../report.js";
import { recordBackConnection } from "./connect-back.js";

function recordHttp(check: Check, request: string, outcome: HttpOutcome): void {
  check.sent("http", request);
  if (!outcome.ok) {
    check.note("http", `(${outcome.why})`);
    return;
  }
  check.note("http", `(HTTP ${outcome.status}, ${outcome.contentType || "no Content-Type"})`);
  check.received("http", () => outcome.raw);
}

/** http-messages; also decides whether the HTTP API is reachable at all (ctx.http). */
export async function checkHttpMessages(ctx: ProbeContext): Promise<void> {
  const check = ctx.check("http-messages");
  const url = new URL("/messages", ctx.options.http);
  const outcome = await httpGet(url, ctx.timeoutMs);
  recordHttp(check, `GET ${url.href}`, outcome);
  if (!outcome.ok) {
    ctx.http = { reachable: false, why: outcome.why };
    const why = `the HTTP API at ${ctx.options.http.origin} does not answer from here (${outcome.why}). ` +
      "Many peers serve it on 127.0.0.1 only: run the probe on the target's host, or point --http at it";
    for (const id of ["http-messages", "http-send", "sends-to-peers", "http-bare-history"] as const) ctx.check(id).na(why);
    return;
  }
  ctx.http = { reachable: true };
  const bare = ctx.check("http-bare-history");
  if (outcome.status !== 200) {
    check.fail(`answered HTTP ${outcome.status}, not 200`);
    bare.na("GET /messages did not answer a history");
    return;
  }
  const parsed = parseJson(outcome.text);
  if (!parsed.ok) {
    check.fail("the answer is not JSON");
    bare.na("GET /messages did not answer a history");
    return;
  }
  const { history, wrapped } = unwrapHistoryBody(parsed.value);
  const shape = checkHistory(history, { ordered: true });
  const count = typeof history === "object" && history !== null ? Object.keys(history).length : 0;
  ctx.largestHistory = Math.max(ctx.largestHistory, count);
  if (wrapped) {
    bare.received("http", () => outcome.raw);
    bare.fail('it answers {"messages":{...}}: §4 says the bare history object; some peers do this, so readers accept both');
  } else if (shape.problems.length === 0) {
    bare.pass("the bare history object");
  }
  if (shape.problems.length > 0) {
    bare.na("GET /messages did not answer a history");
    check.fail(`not a history as §4 says: ${shape.problems.slice(0, 3).join("; ")}` +
      (shape.problems.length > 3 ? `; and ${shape.problems.length - 3} more` : ""));
    return;
  }
  check.pass(`HTTP 200 with a history of ${count} message${count === 1 ? "" : "s"}, oldest first` +
    (wrapped ? ', wrapped in {"messages":...} (see http-bare-history)' : ""));
}

export interface SentByTarget {
  text: string;
  id: string | undefined;
}

/** http-send: the message is answered ok and stored as the target's own. */
export async function checkHttpSend(ctx: ProbeContext): Promise<SentByTarget | undefined> {
  const check = ctx.check("http-send");
  if (!ctx.http?.reachable) return undefined; // decided with http-messages
  const text = `p2pchat probe ${ctx.options.peerId} via /send: ahoj 👋`;
  const url = new URL(`/send?message=${encodeURIComponent(text)}`, ctx.options.http);
  const outcome = await httpGet(url, ctx.timeoutMs);
  recordHttp(check, `GET ${url.pathname}${url.search}`, outcome);
  if (!outcome.ok) {
    check.fail(`no answer: ${outcome.why}`);
    return undefined;
  }
  const parsed = parseJson(outcome.text);
  const body = parsed.ok ? parsed.value as Record<string, unknown> | null : undefined;
  if (outcome.status !== 200 || typeof body !== "object" || body === null || body.status !== "ok") {
    check.fail(`expected HTTP 200 {"status":"ok"}, got HTTP ${outcome.status} ${outcome.text.slice(0, 100)}`);
    return undefined;
  }
  const history = await ctx.pollHistory((h) => [...h.entries.values()].some((m) => m.message === text));
  if (typeof history === "string") {
    check.fail(`answered ok, but the history could not be read: ${history}`);
    return { text, id: undefined };
  }
  history.record(check);
  const stored = [...history.entries].find(([, m]) => m.message === text);
  if (!stored) {
    check.fail(`answered ok, but the message is not in its history within ${ctx.timeoutMs} ms`);
    return { text, id: undefined };
  }
  const [id, entry] = stored;
  if (entry.peer_id === ctx.options.peerId || (ctx.targetPeerId !== undefined && entry.peer_id !== ctx.targetPeerId)) {
    check.fail(`stored under peer_id ${JSON.stringify(entry.peer_id)}, not its own (${JSON.stringify(ctx.targetPeerId ?? "?")})`);
    return { text, id };
  }
  check.pass(`answered {"status":"ok"} and stored it as message ${id} from ${JSON.stringify(entry.peer_id)}`);
  return { text, id };
}

/** sends-to-peers and new-message-peer-id: the /send message comes to the probe as a new_message. */
export async function checkSendsToPeers(
  ctx: ProbeContext,
  sent: SentByTarget | undefined,
  connection: BackConnection | undefined,
): Promise<void> {
  const check = ctx.check("sends-to-peers");
  const peerIdCheck = ctx.check("new-message-peer-id");
  if (!ctx.back) {
    check.na(ctx.backUnavailable ?? "the probe is not listening");
  } else if (!sent) {
    check.na("GET /send did not work, so there was nothing to send");
  } else if (!connection) {
    check.na("the target did not connect back, so it has no connection to send on");
  }
  if (!ctx.back || !sent || !connection) {
    peerIdCheck.na("no new_message from the target was seen");
    return;
  }
  const arrived = await ctx.back.waitFor(() => {
    for (const c of ctx.back?.connections ?? []) {
      const found = c.newMessages.find((m) => m.frame.message === sent.text);
      if (found) return { connection: c, ...found };
    }
    return undefined;
  }, ctx.timeoutMs);
  if (!arrived) {
    recordBackConnection(check, connection);
    check.fail(`no new_message with the /send text came on ${connection.label} within ${ctx.timeoutMs} ms`);
    peerIdCheck.na("no new_message from the target was seen");
    return;
  }
  recordBackConnection(check, arrived.connection);
  const { frame } = arrived;
  const rawId = frame.message_id;
  // The receiving peer's own rules: what they refuse, every careful peer refuses.
  const parsed = parseCommand(frame);
  if (parsed.kind !== "command" || parsed.command.command !== "new_message") {
    const why = parsed.kind === "refused" ? `${parsed.refusal.code}: ${parsed.refusal.why}` : "not a new_message";
    check.fail(`its message_id ${JSON.stringify(rawId)} is not a string of 13+ digits (${why})`);
  } else if (sent.id !== undefined && parsed.command.message_id !== sent.id) {
    check.fail(`it came with message_id ${parsed.command.message_id}, but is stored as ${sent.id}: peers would keep it twice`);
  } else {
    const id = parsed.command.message_id;
    check.pass(`new_message ${id} came on ${arrived.connection.label}` +
      (typeof rawId === "number" ? " (its id a JSON number, which peers tolerate)"
        : rawId !== id ? ` (its id written ${JSON.stringify(rawId)}, which is the same id)` : ""));
  }
  peerIdCheck.received(arrived.connection.label, () => arrived.connection.tap.frameWithTerminator(arrived.item));
  if (frame.peer_id === undefined) {
    peerIdCheck.fail("its new_message has no peer_id field: one classmate's peer refuses such a new_message and closes");
  } else if (frame.peer_id !== (ctx.targetPeerId ?? connection.helloPeerId)) {
    peerIdCheck.fail(`its new_message says peer_id ${JSON.stringify(frame.peer_id)}, not its own ${JSON.stringify(ctx.targetPeerId)}`);
  } else {
    peerIdCheck.pass(`peer_id ${JSON.stringify(frame.peer_id)} is in its new_message`);
  }
}
