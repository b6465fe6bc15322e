// docs/protocol.md §1: a peer that hears a hello answers the sender, unicast, to the datagram's source
// address and port: {"status":"ok","peer_id":"..."}.
import { isPeerId, PEER_ID_RULE } from "../../protocol/peer-id.js";
import type { ProbeContext } from "../context.js";
import type { Datagram } from "../udp-side.js";

export interface UdpAnswer {
  datagram: Datagram;
  peerId: string;
}

/** Says hello over UDP and judges the answer; resolves with it when it follows the protocol. */
export async function probeDiscovery(ctx: ProbeContext): Promise<UdpAnswer | undefined> {
  const check = ctx.check("udp-hello");
  const { udp, options } = ctx;
  const hello = ctx.helloFrame();
  check.sent("udp", hello);
  check.note("udp", `(unicast to ${ctx.address}:${options.port} from port ${udp.port}${udp.fallback ? `: ${udp.fallback}` : ""})`);
  const sentAt = Date.now();
  try {
    await udp.send(hello, ctx.address, options.port);
  } catch (err) {
    check.fail(`the hello could not be sent: ${(err as Error).message}`);
    return undefined;
  }
  ctx.saidHello();

  // The target's own broadcast hellos may arrive too (they are answered); the answer is the rest.
  const isOwnHello = (d: Datagram) => d.decoded.ok && d.decoded.value.command === "hello";
  const answer = await udp.waitFor(() => udp.datagrams.find((d) => !isOwnHello(d)), ctx.timeoutMs);
  if (!answer) {
    const hellos = udp.datagrams.length;
    check.fail(`no answer within ${ctx.timeoutMs} ms (timeout)` +
      (hellos ? `; its own broadcast hello did arrive (${hellos}), so it is up but did not answer ours` : ""));
    return undefined;
  }
  check.received("udp", () => answer.data);
  check.note("udp", `(from ${answer.address}:${answer.port}, ${answer.at - sentAt} ms after the hello)`);
  if (!answer.decoded.ok) {
    check.fail(`the answer is not a JSON object: ${answer.decoded.error.message}`);
    return undefined;
  }
  const { status, peer_id: peerId } = answer.decoded.value;
  if (status !== "ok") {
    check.fail(`the answer's status is ${JSON.stringify(status)}, not "ok"`);
    return undefined;
  }
  if (!isPeerId(peerId)) {
    check.fail(`the answer has no usable peer_id (${PEER_ID_RULE})`);
    return undefined;
  }
  if (peerId === options.peerId) {
    check.fail(`the answer carries the probe's own peer_id ${JSON.stringify(peerId)}, not the target's`);
    return undefined;
  }
  ctx.targetPeerId ??= peerId;
  check.pass(`answered by ${JSON.stringify(peerId)} in ${answer.at - sentAt} ms`);
  return { datagram: answer, peerId };
}
