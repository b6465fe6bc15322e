// docs/protocol.md §2: for every peer it finds, a peer opens one permanent TCP connection to that
// peer's port and introduces itself with a hello. The probe's UDP and TCP hellos make it a peer
// the target has found.
import type { BackConnection } from "../back-channel.js";
import type { ProbeContext } from "../context.js";
import type { Check } from "../report.js";

/** Adds a back connection's traffic (what the target sent, what the probe answered) to a check. */
export function recordBackConnection(check: Check, connection: BackConnection, limit = 6): void {
  check.note(connection.label, `(from ${connection.remoteAddress}:${connection.remotePort})`);
  for (const { item, answer } of connection.exchanges.slice(0, limit)) {
    check.received(connection.label, () => connection.tap.frameWithTerminator(item));
    if (answer) check.sent(connection.label, answer);
  }
  if (connection.exchanges.length > limit) check.note(connection.label, `(+${connection.exchanges.length - limit} more frames)`);
}

/** Waits for the target to connect back; resolves with the connection that said hello. */
export async function checkConnectsBack(ctx: ProbeContext): Promise<BackConnection | undefined> {
  const check = ctx.check("connects-back");
  const { back } = ctx;
  if (!back) {
    check.na(ctx.backUnavailable ?? "the probe is not listening");
    return undefined;
  }
  if (ctx.firstHelloAt === undefined) {
    check.na("no hello of the probe reached the target");
    return undefined;
  }
  const since = ctx.firstHelloAt;
  const fromTarget = (c: BackConnection) => c.remoteAddress === ctx.address || c.helloPeerId === ctx.targetPeerId;
  const found = await back.waitFor(
    () => back.connections.find((c) => fromTarget(c) && c.helloPeerId !== undefined),
    Math.max(0, since + ctx.timeoutMs - Date.now()),
  );
  if (!found) {
    const silent = back.connections.find(fromTarget);
    if (silent) {
      recordBackConnection(check, silent);
      check.fail(`it connected (${silent.label}) but sent no hello within ${ctx.timeoutMs} ms of the probe's first hello`);
    } else {
      check.fail(`no connection to the probe's port ${ctx.options.port} within ${ctx.timeoutMs} ms of the probe's first hello`);
    }
    return undefined;
  }
  recordBackConnection(check, found);
  const peerId = found.helloPeerId as string;
  if (ctx.targetPeerId !== undefined && peerId !== ctx.targetPeerId) {
    check.fail(`its hello says peer_id ${JSON.stringify(peerId)}, but its UDP answer said ${JSON.stringify(ctx.targetPeerId)}`);
    return found;
  }
  ctx.targetPeerId ??= peerId;
  check.pass(`connected from ${found.remoteAddress} ${Math.max(0, found.openedAt - since)} ms after the probe's first hello ` +
    `and said hello as ${JSON.stringify(peerId)}`);
  return found;
}
