// A hostile classmate's peer, run as its own process on a LAN host of the namespace tests:
//   node dist/test/support/hostile-peer.js --peer-id evil --broadcast 198.18.3.255 --attack deep-reply
// It speaks enough of the protocol to be one of the room: it announces itself over UDP, answers
// hellos, runs a TCP server on 9876, and connects to every peer it hears of. Then it misbehaves
// the way one attack says. Every attack is something a classmate's peer has done, or could do
// with a few lines and root on a laptop; each is one entry in ATTACKS.
//
// It prints one line per event the test may wait for ("connected to A", "reply to X: {...}"),
// so a test reads what the attacked peer answered without a second channel.
import { createSocket } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { FrameDecoder } from "../../src/protocol/decoder.js";

const PORT = 9876;

interface Context {
  peerId: string;
  /** Messages the attack sends, and their size (for floods and big messages). */
  count: number;
  bytes: number;
  write(socket: Socket, data: object | string): void;
  log(line: string): void;
}

interface Attack {
  /** Our answer to a hello on a connection we accepted; undefined = an empty history. */
  helloReply?(ctx: Context): string | object;
  /** Our ack of a new_message; undefined = a plain ok. */
  ack?(ctx: Context): string | object;
  /** The peer_id we introduce ourselves with on connections we open (default: ours). */
  helloAs?(ctx: Context): string;
  /** What we send once a connection we opened has had its hello answered. */
  afterHello?(ctx: Context, socket: Socket, address: string): void;
  /** How often we announce ourselves over UDP, in ms (default 1 s). */
  announceMs?: number;
}

/** A JSON value nested `levels` deep: 10 KB of brackets is enough to overflow a recursive walk. */
const nested = (levels: number): string => "[".repeat(levels) + "]".repeat(levels);

/** Ids of `count` messages from a clock that reads `offsetMs` off, in `unit` (1 = ms, 1000 = µs). */
function idsFrom(count: number, offsetMs: number, unit = 1): string[] {
  const base = BigInt(Date.now() + offsetMs) * BigInt(unit);
  return Array.from({ length: count }, (_, i) => String(base + BigInt(i)));
}

function history(ids: string[], ctx: Context, text = (i: number) => `${ctx.peerId} says ${i}`): Record<string, { peer_id: string; message: string }> {
  return Object.fromEntries(ids.map((id, i) => [id, { peer_id: ctx.peerId, message: text(i) }]));
}

/** Sends the messages one frame each, without waiting for acks (pipelined, as a flood does). */
function sendAll(ctx: Context, socket: Socket, ids: string[], text: (i: number) => string): void {
  const frames = ids.map((id, i) => JSON.stringify({ command: "new_message", message_id: id, message: text(i), peer_id: ctx.peerId }) + "\n");
  // One write per few hundred frames: as fast as the socket takes them.
  for (let i = 0; i < frames.length; i += 256) socket.write(frames.slice(i, i + 256).join(""));
}

/** A clock `offsetMs` off (in `unit`): its hello replies and its messages carry such ids. */
function wrongClock(offsetMs: number, unit = 1): Attack {
  return {
    helloReply: (ctx) => ({ status: "ok", messages: history(idsFrom(ctx.count, offsetMs, unit), ctx) }),
    afterHello: (ctx, socket) => sendAll(ctx, socket, idsFrom(ctx.count, offsetMs + 10_000, unit), (i) => `${ctx.peerId} clock message ${i}`),
  };
}

const ATTACKS: Record<string, Attack> = {
  // Case 1: answers our hello, or acks our messages, with a document nested 5,000 levels deep:
  // a refusal whose reason is not a string, which a peer logs by serialising the whole frame.
  "deep-reply": { helloReply: () => `{"status":"error","message":${nested(5_000)}}\n` },
  "deep-ack": { ack: () => `{"status":"error","message":${nested(5_000)}}\n` },
  // Case 3: clocks that count microseconds, or run an hour ahead or behind.
  "microsecond-clock": wrongClock(0, 1000),
  "clock-ahead": wrongClock(3_600_000),
  "clock-behind": wrongClock(-3_600_000),
  // Case 4: ordinary messages, as many as --count says, as fast as the socket takes them. Their
  // ids (one per ms) start a minute ahead, within the clock skew a peer accepts: newer than every
  // message of the room, as a flood's must be to push them out, yet clear of the ids the room's
  // own messages take while the test runs. Ids from now on would be taken first by the flood, and
  // a message of the reference peer whose clock then reached one of them was a duplicate of a
  // flood message on every p2pchat, acked and never stored: that is id squatting, not a flood.
  flood: { afterHello: (ctx, socket) => sendAll(ctx, socket, idsFrom(ctx.count, 60_000), (i) => `flood ${i}`) },
  // Case 5: --count messages of --bytes each (100 of 60 KiB make a 6 MB history).
  "big-messages": {
    afterHello: (ctx, socket) => sendAll(ctx, socket, idsFrom(ctx.count, 0), (i) => `${i} `.padEnd(ctx.bytes, "x")),
  },
  // Case 7: introduces itself with the attacked peer's own peer_id (--as), then chats.
  "own-id": {
    afterHello: (ctx, socket) => sendAll(ctx, socket, idsFrom(3, 0), (i) => `not really yours ${i}`),
  },
  // Case 6: a plain peer; the test gives it the peer_id of a classmate who is restarting.
  impostor: {},
  // Case 8: a 64 MiB hello reply of millions of tiny invalid entries, announced every 0.5 s.
  "huge-reply": {
    announceMs: 500,
    helloReply: () => hugeReply(),
  },
};

let hugeReplyText: string | undefined;
/** Built once: ~64 MiB of `"1":0` entries, each invalid (short id, entry not an object). */
function hugeReply(): string {
  if (hugeReplyText) return hugeReplyText;
  const entries: string[] = [];
  let size = 0;
  for (let i = 0; size < 64 * 1024 * 1024; i++) {
    const entry = `"${i}":0`;
    entries.push(entry);
    size += entry.length + 1;
  }
  hugeReplyText = `{"status":"ok","messages":{${entries.join(",")}}}\n`;
  return hugeReplyText;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      "peer-id": { type: "string", default: "hostile" },
      broadcast: { type: "string" },
      attack: { type: "string" },
      count: { type: "string", default: "100" },
      bytes: { type: "string", default: "61440" },
      /** The peer_id to say hello with on connections we open (own-id: the attacked peer's). */
      as: { type: "string" },
      /** Only connect to this address (default: every peer heard of). */
      target: { type: "string" },
    },
  });
  const attack = values.attack !== undefined && Object.hasOwn(ATTACKS, values.attack) ? ATTACKS[values.attack] : undefined;
  if (!attack || !values.broadcast) {
    process.stderr.write(`usage: hostile-peer --broadcast ADDRESS --attack ${Object.keys(ATTACKS).join("|")}\n`);
    process.exit(64);
  }
  const ctx: Context = {
    peerId: values["peer-id"],
    count: Number(values.count),
    bytes: Number(values.bytes),
    write: (socket, data) => socket.write(typeof data === "string" ? data : JSON.stringify(data) + "\n"),
    log: (line) => process.stdout.write(line + "\n"),
  };
  const helloAs = values.as ?? ctx.peerId;

  // The server side: answer hellos and acks the attack's way.
  const server = createServer((socket) => {
    socket.on("error", () => {});
    ctx.log(`accepted from ${socket.remoteAddress}`);
    const decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
    socket.on("data", (chunk: Buffer) => {
      for (const decoded of decoder.push(chunk)) {
        if (!decoded.ok) continue;
        const frame = decoded.value;
        if (frame.command === "hello") ctx.write(socket, attack.helloReply?.(ctx) ?? { status: "ok", messages: {} });
        else if (frame.command === "new_message") ctx.write(socket, attack.ack?.(ctx) ?? { status: "ok" });
      }
    });
  });
  server.listen(PORT, "0.0.0.0");

  // The client side: one connection to every peer heard of, hello, then the attack.
  const dialled = new Set<string>();
  const dial = (address: string) => {
    if (dialled.has(address) || (values.target !== undefined && address !== values.target)) return;
    dialled.add(address);
    const socket = connect({ host: address, port: PORT });
    const decoder = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
    let helloAnswered = false;
    socket.on("error", () => {});
    socket.on("close", () => {
      ctx.log(`closed by ${address}`);
      setTimeout(() => dialled.delete(address), 2_000);
    });
    socket.on("connect", () => {
      ctx.log(`connected to ${address}`);
      ctx.write(socket, { command: "hello", peer_id: helloAs });
    });
    const tally = { ok: 0, error: 0 };
    socket.on("data", (chunk: Buffer) => {
      for (const decoded of decoder.push(chunk)) {
        const summary = decoded.ok ? JSON.stringify(decoded.value).slice(0, 300) : decoded.error.code;
        if (!helloAnswered) {
          helloAnswered = true;
          ctx.log(`hello reply from ${address}: ${summary}`);
          attack.afterHello?.(ctx, socket, address);
        } else {
          const ok = decoded.ok && decoded.value.status === "ok";
          if (ok) tally.ok++;
          else tally.error++;
          // The first errors in full; a tally of every reply now and then and at the end of a batch.
          if (!ok && tally.error <= 5) ctx.log(`reply from ${address}: ${summary}`);
          const replies = tally.ok + tally.error;
          if (replies % 100 === 0 || replies === ctx.count) ctx.log(`tally ${address} ok=${tally.ok} error=${tally.error}`);
        }
      }
    });
  };

  const udp = createSocket({ type: "udp4", reuseAddr: true });
  const hello = Buffer.from(JSON.stringify({ command: "hello", peer_id: ctx.peerId }));
  const answer = Buffer.from(JSON.stringify({ status: "ok", peer_id: ctx.peerId }));
  udp.on("message", (data, remote) => {
    let frame: { command?: unknown; status?: unknown; peer_id?: unknown };
    try {
      frame = JSON.parse(data.toString()) as typeof frame;
    } catch {
      return;
    }
    if (frame.peer_id === ctx.peerId) return;
    if (frame.command === "hello" && remote.port > 0) udp.send(answer, remote.port, remote.address);
    if (frame.command === "hello" || frame.status === "ok") dial(remote.address);
  });
  udp.bind(PORT, "0.0.0.0", () => {
    udp.setBroadcast(true);
    const announce = () => udp.send(hello, PORT, values.broadcast as string);
    announce();
    setInterval(announce, attack.announceMs ?? 1_000);
  });
  ctx.log(`hostile peer ${ctx.peerId} up, attack ${values.attack}`);
}

main();
