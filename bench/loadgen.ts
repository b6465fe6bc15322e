// The load generator: one Node process that plays many virtual peers against one peer under test
// (scenarios 3 and 6). It runs inside a LAN namespace that holds one address per virtual peer, and
// each virtual peer is a whole, correct peer of docs/protocol.md on its own address: a UDP socket and a
// TCP server on <address>:9876 (answering hello with an empty history and acking every
// new_message), and one outbound connection opened from <address> (hello first, then its
// new_messages one at a time, each after the previous ack).
//
// Usage: node dist/bench/loadgen.js '<job JSON>'. It reports on stdout, one JSON object per line
// ({"event": ...}), and exits by itself when the job is done (or its deadline passes).
import * as dgram from "node:dgram";
import * as http from "node:http";
import * as net from "node:net";
import { FrameDecoder } from "../src/protocol/decoder.js";
import { encodeFrame } from "../src/protocol/encoder.js";
import { nowMs, sleep } from "./clock.js";
import { round, summarize } from "./stats.js";

export interface IngestJob {
  mode: "ingest";
  /** The peer under test's address. */
  target: string;
  /** One virtual peer per address; each sends on its own connection. */
  addresses: string[];
  warmupMs: number;
  durationMs: number;
  /** Bytes of message text. */
  textBytes: number;
}

export interface ManyJob {
  mode: "many";
  target: string;
  addresses: string[];
  /** Where the virtual peers' UDP hellos go (the LAN's broadcast address). */
  broadcast: string;
  /** Hellos sent per burst, and the pause between bursts (ms). */
  burst: number;
  burstGapMs: number;
  /** A virtual peer not answered yet says hello again after this long (ms). */
  reannounceMs: number;
  connectTimeoutMs: number;
  /** Fan-out: messages sent through the target's /send, at this rate (per second). */
  messages: number;
  rate: number;
  deliveryTimeoutMs: number;
  /** Stay connected this long after the result (ms), so the harness can read the target's RSS. */
  holdMs: number;
}

export type Job = IngestJob | ManyJob;

const PORT = 9876;
const MAX_FRAME = 64 * 1024 * 1024;

function emit(event: string, fields: object = {}): void {
  process.stdout.write(JSON.stringify({ event, at: nowMs(), ...fields }) + "\n");
}

/** A socket that speaks frames (what src/peers/framed-socket.ts does, minus the limits). */
function framed(socket: net.Socket, onFrame: (frame: Record<string, unknown>) => void): (frame: object) => void {
  const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME });
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    for (const decoded of decoder.push(chunk)) if (decoded.ok) onFrame(decoded.value);
  });
  socket.on("error", () => undefined);
  return (frame) => {
    if (!socket.destroyed) socket.write(encodeFrame(frame));
  };
}

// Milliseconds, as docs/protocol.md says, starting an hour back: a run sends far more than one message
// per millisecond, and ids must not run ahead of the receivers' clocks (they refuse those).
let nextId = Date.now() - 3_600_000;
/** Message ids: increasing, unique across all virtual peers. */
function messageId(): string {
  return String(nextId++);
}

class VirtualPeer {
  readonly peerId: string;
  private server: net.Server | undefined;
  private udp: dgram.Socket | undefined;
  private outboundSocket: net.Socket | undefined;
  private sendFrame: ((frame: object) => void) | undefined;
  private pendingAck: ((ok: boolean) => void) | undefined;
  readonly inbound = new Set<net.Socket>();
  /** nowMs() when our hello was answered / when the target said hello to our server. */
  outboundReadyAt: number | undefined;
  inboundHelloAt: number | undefined;
  answeredAt: number | undefined;

  constructor(
    readonly address: string,
    index: number,
    private readonly target: string,
    private readonly onMessage: (text: string, time: number) => void,
  ) {
    this.peerId = `virtual-${index + 1}`;
  }

  async listen(withUdp: boolean): Promise<void> {
    this.server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen({ host: this.address, port: PORT, backlog: 511 }, () => resolve());
    });
    if (!withUdp) return;
    this.udp = dgram.createSocket({ type: "udp4", reuseAddr: true });
    this.udp.on("message", (data, remote) => this.onDatagram(data, remote));
    this.udp.on("error", () => undefined);
    await new Promise<void>((resolve) => this.udp!.bind({ address: this.address, port: PORT }, () => resolve()));
    this.udp.setBroadcast(true);
  }

  /** docs/protocol.md §1: a hello from our port 9876 (so the answer comes back to this socket). */
  announce(to: string): void {
    this.udp?.send(encodeFrame({ command: "hello", peer_id: this.peerId }), PORT, to);
  }

  private onDatagram(data: Buffer, remote: dgram.RemoteInfo): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof frame.peer_id !== "string" || frame.peer_id === this.peerId) return;
    if (frame.command === "hello") this.udp?.send(encodeFrame({ status: "ok", peer_id: this.peerId }), remote.port, remote.address);
    if (remote.address !== this.target) return;
    this.answeredAt ??= nowMs();
    this.connect();
  }

  /** Opens our connection to the target (once) and says hello; resolves when it is answered. */
  connect(): Promise<void> {
    if (this.outboundSocket) return this.ready;
    const socket = net.connect({ host: this.target, port: PORT, localAddress: this.address });
    this.outboundSocket = socket;
    this.ready = new Promise((resolve) => {
      let introduced = false;
      this.sendFrame = framed(socket, (frame) => {
        if (frame.command !== undefined) return; // the target does not send commands here
        if (!introduced) {
          introduced = true;
          this.outboundReadyAt = nowMs();
          resolve();
          return;
        }
        const pending = this.pendingAck;
        this.pendingAck = undefined;
        pending?.(frame.status === "ok");
      });
      socket.once("connect", () => this.sendFrame!({ command: "hello", peer_id: this.peerId }));
      socket.once("close", () => {
        const pending = this.pendingAck;
        this.pendingAck = undefined;
        pending?.(false);
      });
    });
    return this.ready;
  }

  private ready: Promise<void> = Promise.resolve();

  get closed(): boolean {
    return this.outboundSocket === undefined || this.outboundSocket.destroyed;
  }

  /** Sends one new_message and resolves with whether it was acked "ok". */
  send(text: string): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.sendFrame || this.outboundSocket?.destroyed) {
        resolve(false);
        return;
      }
      this.pendingAck = resolve;
      this.sendFrame({ command: "new_message", message_id: messageId(), message: text, peer_id: this.peerId });
    });
  }

  private serve(socket: net.Socket): void {
    this.inbound.add(socket);
    socket.on("close", () => this.inbound.delete(socket));
    let introduced = false;
    const reply = framed(socket, (frame) => {
      if (frame.command === "hello") {
        introduced = true;
        this.inboundHelloAt ??= nowMs();
        reply({ status: "ok", messages: {} });
      } else if (frame.command === "new_message") {
        if (!introduced) {
          reply({ status: "error", message: "say hello first" });
          return;
        }
        this.onMessage(typeof frame.message === "string" ? frame.message : "", nowMs());
        reply({ status: "ok" });
      } else if (frame.command !== undefined) {
        reply({ status: "error", message: "unknown command" });
      }
    });
  }

  close(): void {
    this.outboundSocket?.destroy();
    for (const socket of this.inbound) socket.destroy();
    this.server?.close();
    this.udp?.close();
  }
}

async function ingest(job: IngestJob): Promise<void> {
  const peers = job.addresses.map((address, i) => new VirtualPeer(address, i, job.target, () => undefined));
  await Promise.all(peers.map((p) => p.listen(false)));
  await Promise.all(peers.map((p) => p.connect()));
  emit("connected");
  const text = "m".repeat(Math.max(1, job.textBytes));
  let measuring = false;
  let stopping = false;
  let acked = 0;
  let refused = 0;
  const rtts: number[] = [];
  const pump = async (peer: VirtualPeer) => {
    while (!stopping) {
      const sent = performance.now();
      const ok = await peer.send(text);
      if (!ok && peer.closed) return; // the target dropped us: this connection is done
      if (!measuring) continue;
      if (ok) acked++;
      else refused++;
      if (rtts.length < 200_000) rtts.push(performance.now() - sent);
    }
  };
  const pumps = peers.map(pump);
  await sleep(job.warmupMs);
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  emit("measure-start");
  await sleep(job.durationMs);
  const seconds = (performance.now() - started) / 1000;
  const count = acked;
  measuring = false;
  const cpu = process.cpuUsage(cpuBefore);
  emit("measure-end", {
    acked: count,
    refused,
    seconds,
    rate: count / seconds,
    rttMs: summarize(rtts),
    loadgenCpuPercent: round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
  });
  stopping = true;
  await Promise.race([Promise.all(pumps), sleep(2_000)]);
  for (const p of peers) p.close();
}

async function many(job: ManyJob): Promise<void> {
  const arrivals = new Map<number, number[]>();
  const sendTimes: number[] = [];
  const peers = job.addresses.map((address, i) => new VirtualPeer(address, i, job.target, (text, time) => {
    const k = Number(/^fan-out #(\d+) /.exec(text)?.[1]);
    if (Number.isInteger(k)) arrivals.get(k)?.push(time);
  }));
  await Promise.all(peers.map((p) => p.listen(true)));
  emit("listening", { peers: peers.length });

  // Everyone says hello at start, a burst at a time, like a class switching on its machines.
  const started = nowMs();
  for (let i = 0; i < peers.length; i += job.burst) {
    for (const peer of peers.slice(i, i + job.burst)) peer.announce(job.broadcast);
    await sleep(job.burstGapMs);
  }
  const allConnected = () => peers.every((p) => p.outboundReadyAt !== undefined && p.inboundHelloAt !== undefined);
  const deadline = started + job.connectTimeoutMs;
  let lastAnnounce = nowMs();
  while (!allConnected() && nowMs() < deadline) {
    if (nowMs() - lastAnnounce >= job.reannounceMs) {
      // Unanswered hellos (a full socket buffer drops datagrams): say hello again, as peers do
      // every interval.
      for (const peer of peers) if (peer.answeredAt === undefined) peer.announce(job.broadcast);
      lastAnnounce = nowMs();
    }
    await sleep(5);
  }
  const connectedAt = nowMs();
  const outbound = peers.filter((p) => p.outboundReadyAt !== undefined).length;
  const inbound = peers.filter((p) => p.inboundHelloAt !== undefined).length;
  const complete = outbound === peers.length && inbound === peers.length;
  const times = peers.flatMap((p) => [p.outboundReadyAt, p.inboundHelloAt]).filter((t): t is number => t !== undefined);
  emit("connected", {
    complete,
    outbound,
    inbound,
    // To the last of the 2M connections (or to the deadline, if not all came).
    ms: complete ? Math.max(...times) - started : connectedAt - started,
    halfMs: times.length ? times.sort((a, b) => a - b)[Math.floor(times.length / 2)]! - started : NaN,
    // When each virtual peer's hello was answered, its connection answered, and the target's
    // connection to it said hello (ms from the first hello).
    answeredMs: summarize(peers.flatMap((p) => (p.answeredAt === undefined ? [] : [p.answeredAt - started]))),
    outboundMs: summarize(peers.flatMap((p) => (p.outboundReadyAt === undefined ? [] : [p.outboundReadyAt - started]))),
    inboundMs: summarize(peers.flatMap((p) => (p.inboundHelloAt === undefined ? [] : [p.inboundHelloAt - started]))),
  });

  if (complete && job.messages > 0) {
    const agent = new http.Agent({ keepAlive: false });
    const requests: Array<Promise<number>> = [];
    const t0 = nowMs() + 50;
    for (let k = 0; k < job.messages; k++) {
      const wait = t0 + (k * 1000) / job.rate - nowMs();
      if (wait > 0) await sleep(wait);
      arrivals.set(k, []);
      const text = `fan-out #${k} ${"x".repeat(32)}`;
      sendTimes[k] = nowMs();
      requests.push(new Promise((resolve) => {
        const request = http.get({ host: job.target, port: 8000, path: `/send?message=${encodeURIComponent(text)}`, agent }, (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        });
        request.on("error", () => resolve(0));
      }));
    }
    const statuses = await Promise.all(requests);
    const everywhere = () => [...arrivals.values()].every((list) => list.length >= peers.length);
    const until = nowMs() + job.deliveryTimeoutMs;
    while (!everywhere() && nowMs() < until) await sleep(10);
    const perDelivery: number[] = [];
    const toAll: number[] = [];
    let incomplete = 0;
    for (const [k, list] of arrivals) {
      for (const time of list) perDelivery.push(time - sendTimes[k]!);
      if (list.length >= peers.length) toAll.push(Math.max(...list) - sendTimes[k]!);
      else incomplete++;
    }
    emit("fan-out", {
      messages: job.messages,
      rate: job.rate,
      failedSends: statuses.filter((s) => s !== 200).length,
      incomplete,
      toAllMs: summarize(toAll),
      toEachMs: summarize(perDelivery),
    });
  }
  emit("holding");
  await sleep(job.holdMs);
  for (const p of peers) p.close();
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? "{}") as Job;
  if (job.mode === "ingest") await ingest(job);
  else if (job.mode === "many") await many(job);
  else throw new Error(`unknown job ${process.argv[2]}`);
  emit("done");
  // Sockets of peers that never answered may still be connecting: do not wait for them.
  setTimeout(() => process.exit(0), 100).unref();
}

main().catch((error: unknown) => {
  emit("error", { message: (error as Error).stack ?? String(error) });
  process.exit(1);
});
