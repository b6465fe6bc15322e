// One probe run: set up the probe's own sockets, take the target through every check in turn
// (each wait bounded by the timeout), then tear everything down and add up the report.
import { lookup } from "node:dns/promises";
import { isIPv4 } from "node:net";
import { BackChannel } from "./back-channel.js";
import { ProbeContext, type ProbeOptions } from "./context.js";
import { exitCodeOf, summarize, type ProbeReport } from "./report.js";
import { checkConnectsBack } from "./steps/connect-back.js";
import { checkConventions } from "./steps/conventions.js";
import { probeDiscovery } from "./steps/discovery.js";
import { checkBeforeHello, checkErrorReplies } from "./steps/errors.js";
import { checkHistoryShapes, checkNothingStored } from "./steps/history.js";
import { checkHttpMessages, checkHttpSend, checkSendsToPeers } from "./steps/http.js";
import { checkStored, probeSession } from "./steps/session.js";
import { checkStress } from "./steps/stress.js";
import { checkTolerance } from "./steps/tolerance.js";
import { UdpSide } from "./udp-side.js";

export type { ProbeOptions } from "./context.js";

/** The target's name could not be resolved: there is nothing to probe. */
export class ProbeSetupError extends Error {}

/** Longest evidence line kept in the report (the text rendering trims further). */
const REPORT_EVIDENCE_CHARS = 1_000;

export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const started = Date.now();
  const address = await resolveIPv4(options.host);
  const back = await BackChannel.listen(options.bindAddress, options.port);
  let udp: UdpSide;
  try {
    udp = await UdpSide.open(options.bindAddress, options.port, options.peerId, address);
  } catch (err) {
    if (typeof back !== "string") await back.close();
    throw new ProbeSetupError(`cannot open a UDP socket on ${options.bindAddress}: ${(err as Error).message}`);
  }
  const udpPort = udp.port;
  const ctx = new ProbeContext(options, address, udp,
    typeof back === "string" ? undefined : back, typeof back === "string" ? back : undefined);
  try {
    // UDP runs beside the TCP checks: a target that never answers it costs no extra time.
    const discovery = probeDiscovery(ctx);
    const sent = await probeSession(ctx);
    if (ctx.unreachable === undefined) {
      await checkHttpMessages(ctx);
      await checkStored(ctx, sent);
      await checkBeforeHello(ctx);
      // A target that does not answer hello would only make every session check wait its timeout.
      if (ctx.helloAnswered) {
        await checkErrorReplies(ctx);
        await checkTolerance(ctx);
      }
      await discovery;
      const backConnection = await checkConnectsBack(ctx);
      const bySend = await checkHttpSend(ctx);
      await checkSendsToPeers(ctx, bySend, backConnection);
      await checkNothingStored(ctx);
      if (options.stress && ctx.helloAnswered) await checkStress(ctx);
      checkHistoryShapes(ctx);
    } else {
      await checkHttpMessages(ctx);
    }
    const udpAnswer = await discovery;
    await checkConventions(ctx, udpAnswer);
    ctx.book.skipRemaining((c) => !options.stress && c.definition.stress === true,
      "a heavy case: run with --stress to include it");
    if (ctx.unreachable !== undefined) {
      ctx.book.skipRemaining(() => true, `no TCP connection: ${ctx.unreachable}`);
    } else if (!ctx.helloAnswered) {
      ctx.book.skipRemaining(() => true, "not run: it builds on a session, and the first hello was not answered ok (see tcp-hello)");
    }
  } finally {
    ctx.close();
    await Promise.all([udp.close(), ctx.back?.close()]);
  }

  const checks = ctx.book.results(REPORT_EVIDENCE_CHARS);
  const { summary, passed } = summarize(checks);
  const unreachable = ctx.unreachable ?? null;
  return {
    target: { host: options.host, address, port: options.port, http: options.http.origin, peerId: ctx.targetPeerId ?? null },
    probe: {
      peerId: options.peerId,
      udpPort,
      listening: ctx.backUnavailable === undefined ? `TCP ${options.bindAddress}:${options.port}` : "nothing (port taken)",
      stress: options.stress,
      timeoutMs: options.timeoutMs,
    },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    unreachable,
    checks,
    summary,
    passed,
    exitCode: exitCodeOf({ passed, unreachable }),
  };
}

async function resolveIPv4(host: string): Promise<string> {
  if (isIPv4(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch (err) {
    throw new ProbeSetupError(`cannot resolve ${JSON.stringify(host)} to an IPv4 address: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
