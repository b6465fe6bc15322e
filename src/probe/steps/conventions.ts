// How the target writes: PROTOCOL.md "Framing" asks for compact JSON, one frame per line, ending
// with \n, and "What real peers do" for UDP from the protocol port. PROTOCOL.md puts the first
// under "MUST send", but every peer must accept frames without it too ("Tolerate on input"), so a
// peer that gets it wrong still works with careful peers: reported here, it does not fail the run.
import { setTimeout as delay } from "node:timers/promises";
import type { ProbeContext } from "../context.js";
import type { FrameTap, TappedFrame } from "../frame-tap.js";
import { describeForm, frameForm } from "../frame-form.js";
import type { UdpAnswer } from "./discovery.js";

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
