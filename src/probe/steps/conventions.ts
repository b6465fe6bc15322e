// How the target writes: docs/protocol.md "Framing" asks for compact JSON, one frame per line, ending
// with \n, and "What real peers do" for UDP from the protocol port. docs/protocol.md puts the first
// under "MUST send", but every peer must accept frames without it too ("Tolerate on input"), so a
// peer that gets it wrong still works with careful peers: reported here, it does not fail the run.
import { setTimeout as delay } from "node:timers/promises";
import type { ProbeContext } from "../context.js";
import type { FrameTap, TappedFrame } from "../frame-tap.js";
import { describeForm, frameForm } from "../frame-form.js";
import type { UdpAnswer } from "./discovery.js";
import { judgeIdAgainstClock } from "../../policy/id-clock.js";

/** The reference peer refuses any frame over 4 MiB (docs/protocol.md "Frames have size limits"). */
const COMMON_FRAME_LIMIT = 4 * 1024 * 1024;
/** What p2pchat answers with at most ([TCP] hello_reply_budget), and a size every peer seen reads. */
const COMFORTABLE_REPLY = 1024 * 1024;
/** A message the target sent during the run is this fresh at most, if its clock is right. */
const FRESH_MS = 10 * 60_000;

/** Time for the line ends of the last frames to arrive before they are judged missing. */
const SETTLE_MS = 200;

const NOT_REQUIRED = 'PROTOCOL.md asks for this ("MUST send"), but every peer must also accept frames ' +
  'without it ("Tolerate on input"), so it is reported here and does not fail the run';

interface SeenFrame {
  label: string;
  tap: FrameTap;
  item: TappedFrame;
  /** The probe closed the connection early: a line end still on its way never arrived. */
  cutOff: boolean;
}

export async function checkConventions(ctx: ProbeContext, udpAnswer: UdpAnswer | undefined): Promise<void> {
  await delay(SETTLE_MS);
  const frames: SeenFrame[] = [];
  for (const c of ctx.connections) {
    for (const item of c.items) if (item.decoded.ok) frames.push({ label: c.label, tap: c.tap, item, cutOff: c.closedByProbe });
  }
  for (const c of ctx.back?.connections ?? []) {
    for (const { item } of c.exchanges) if (item.decoded.ok) frames.push({ label: c.label, tap: c.tap, item, cutOff: false });
  }
  checkLineEnds(ctx, frames);
  checkCompact(ctx, frames, udpAnswer);
  checkIds(ctx, frames);
  checkReplySize(ctx, frames);

  const port = ctx.check("udp-from-port");
  if (!udpAnswer) {
    port.na("there was no UDP answer");
  } else if (udpAnswer.datagram.port === ctx.options.port) {
    port.pass(`it answered from port ${udpAnswer.datagram.port}`);
  } else {
    port.fail(`it answered from port ${udpAnswer.datagram.port}, not ${ctx.options.port}: ` +
      "peers that connect or answer to the source port they see will miss it");
  }
}

function checkLineEnds(ctx: ProbeContext, frames: SeenFrame[]): void {
  const check = ctx.check("sends-line-terminated");
  const counts = { lf: 0, crlf: 0, none: 0 };
  let first: SeenFrame | undefined;
  for (const frame of frames) {
    const end = frame.tap.terminatorAfter(frame.item);
    if (end === "pending" && frame.cutOff) continue; // unknown: not counted either way
    const kind = end === "pending" ? "none" : end;
    counts[kind] += 1;
    if (kind === "none") first ??= frame;
  }
  const total = counts.lf + counts.crlf + counts.none;
  if (total === 0) {
    check.na("the target sent no TCP frames");
    return;
  }
  if (first) {
    const shown = first;
    check.received(shown.label, () => shown.tap.frameWithTerminator(shown.item));
    check.fail(`${counts.none} of ${total} frames have no line end (the first on ${shown.label}). ${NOT_REQUIRED}`);
    return;
  }
  const ends = [counts.lf ? `${counts.lf} with \\n` : "", counts.crlf ? `${counts.crlf} with CR LF` : ""].filter(Boolean);
  check.pass(`all ${total} frames end with a line end (${ends.join(", ")})`);
}

function checkCompact(ctx: ProbeContext, frames: SeenFrame[], udpAnswer: UdpAnswer | undefined): void {
  const check = ctx.check("sends-compact");
  let total = 0;
  let loose = 0;
  let firstShown = false;
  const judge = (label: string, bytes: () => Buffer, own: Buffer) => {
    total += 1;
    const form = frameForm(own);
    if (form.compact) return;
    loose += 1;
    if (!firstShown) {
      firstShown = true;
      check.received(label, bytes);
      check.note(label, `(${describeForm(form)})`);
    }
  };
  if (udpAnswer) {
    const data = udpAnswer.datagram.data;
    judge("udp", () => data, Buffer.from(data.toString("utf8").trim(), "utf8"));
  }
  for (const frame of frames) judge(frame.label, () => frame.tap.frameWithTerminator(frame.item), frame.tap.frameBytes(frame.item));
  if (total === 0) check.na("the target sent no frames");
  else if (loose > 0) check.fail(`${loose} of ${total} frames are not compact one-line JSON. ${NOT_REQUIRED}`);
  else check.pass(`all ${total} frames are compact JSON on one line`);
}

/**
 * docs/protocol.md "Clocks are wrong": ids are the sender's clock in ms, and every peer keeps the newest
 * 100 by id, so a clock in microseconds or hours ahead pushes the present out of every history
 * (p2pchat refuses such ids). The target's new_messages were written during this run: their ids
 * must be close to the probe's clock.
 */
function checkIds(ctx: ProbeContext, frames: SeenFrame[]): void {
  const check = ctx.check("ids-milliseconds");
  const now = Date.now();
  const sent = frames.filter((f) => f.item.decoded.ok && f.item.decoded.value.command === "new_message");
  let judged = 0;
  for (const frame of sent) {
    if (!frame.item.decoded.ok) continue;
    const raw = frame.item.decoded.value.message_id;
    const id = typeof raw === "number" ? String(raw) : raw;
    if (typeof id !== "string" || !/^[0-9]+$/.test(id)) continue;
    judged += 1;
    const show = () => frame.tap.frameWithTerminator(frame.item);
    if (id.length < 13) {
      check.received(frame.label, show);
      check.fail(`message_id ${id} has ${id.length} digits: it looks like ${id.length <= 10 ? "seconds" : "a short count"}; ` +
        "ids are milliseconds since 1970 (13 digits now), and peers refuse shorter ones");
      return;
    }
    const ahead = judgeIdAgainstClock(id.replace(/^0+(?=\d{13})/, ""), now);
    if (ahead) {
      check.received(frame.label, show);
      check.fail(`${ahead.why}. Peers that keep the newest 100 by id would let it push every present message out; p2pchat refuses it`);
      return;
    }
    const behind = now - Number(id);
    if (behind > FRESH_MS) {
      check.received(frame.label, show);
      check.fail(`message_id ${id} is ${Math.round(behind / 60_000)} min behind the probe's clock for a message sent just now: ` +
        "its clock is behind (or not milliseconds); its messages rank below the present and may be dropped as too old");
      return;
    }
  }
  if (judged === 0) check.na("the target sent no new_message to the probe");
  else check.pass(`the ids of its ${judged} new_message${judged === 1 ? "" : "s"} are milliseconds within minutes of the probe's clock`);
}

/** docs/protocol.md "Frames have size limits": a hello reply too large for a peer means it never joins. */
function checkReplySize(ctx: ProbeContext, frames: SeenFrame[]): void {
  const check = ctx.check("hello-reply-size");
  const replies = frames.filter((f) => f.item.decoded.ok && f.item.decoded.value.status === "ok" && "messages" in f.item.decoded.value);
  if (replies.length === 0) {
    check.na("no hello reply from the target was seen");
    return;
  }
  let largest = replies[0] as SeenFrame;
  let size = 0;
  for (const reply of replies) {
    const bytes = reply.tap.frameBytes(reply.item).length;
    if (bytes > size) {
      size = bytes;
      largest = reply;
    }
  }
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (size > COMMON_FRAME_LIMIT) {
    check.note(largest.label, `(a hello reply of ${size} bytes)`);
    check.fail(`its hello reply is ${mib(size)}: the reference peer refuses any frame over 4 MiB, and others read ` +
      "into smaller buffers, so such peers can never join it. Send the newest messages that fit (p2pchat sends at most 1 MiB)");
  } else if (size > COMFORTABLE_REPLY) {
    check.pass(`its largest hello reply is ${mib(size)}: within the reference peer's 4 MiB, but peers with smaller buffers may not read it`);
  } else {
    check.pass(`its largest hello reply is ${size} bytes`);
  }
}
