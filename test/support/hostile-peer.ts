// A hostile classmate's peer, run as its own process on a LAN host of the namespace tests:
//   node dist/test/support/hostile-peer.js --peer-id evil --broadcast 198.18.3.255 --attack deep
// It speaks enough of the protocol to be connected to (it announces itself over UDP and runs a
// TCP server on 9876), then misbehaves the way one attack says. Every attack is something a
// classmate's peer has done, or could do with a few lines and root on a laptop. Each attack is
// one small function, so a new case is a new entry in ATTACKS.
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { FrameDecoder } from "../../src/protocol/decoder.js";

const PORT = 9876;

interface Context {
  peerId: string;
  /** Sends one frame (an object) or raw text on the connection. */
  write(socket: Socket, data: object | string): void;
}

/** How an attack answers the frames p2pchat sends on the connection it opened to us. */
interface Attack {
  /** Our answer to p2pchat's hello; undefined = a well-behaved empty history. */
  helloReply?(ctx: Context): string | object;
  /** Our ack of p2pchat's new_message; undefined = a plain ok. */
  ack?(ctx: Context): string | object;
}

/** A JSON value nested `levels` deep: 10 KB of brackets is enough to overflow a recursive walk. */
const nested = (levels: number): string => "[".repeat(levels) + "]".repeat(levels);

const ATTACKS: Record<string, Attack> = {
  // Case 1: answers our hello, or acks our messages, with a document nested 5,000 levels deep:
  // a refusal whose reason is not a string, which a peer logs by serialising the whole frame.
  "deep-reply": { helloReply: () => `{"status":"error","message":${nested(5_000)}}\n` },
  "deep-ack": { ack: () => `{"status":"error","message":${nested(5_000)}}\n` },
};

function main(): void {
  const { values } = parseArgs({
    options: {
      "peer-id": { type: "string", default: "hostile" },
      broadcast: { type: "string" },
      attack: { type: "string" },
      interval: { type: "string", default: "1" },
    },
  });
  const attack = values.attack !== undefined && Object.hasOwn(ATTACKS, values.attack) ? ATTACKS[values.attack] : undefined;
  if (!attack || !values.broadcast) {
    process.stderr.write(`usage: hostile-peer --broadcast ADDRESS --attack ${Object.keys(ATTACKS).join("|")}\n`);
    process.exit(64);
  }
  const ctx: Context = {
    peerId: values["peer-id"],
    write: (socket, data) => socket.write(typeof data === "string" ? data : JSON.stringify(data) + "\n"),
  };

  const server = createServer((socket) => {
    socket.on("error", () => {});
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

  const udp = createSocket({ type: "udp4", reuseAddr: true });
  const hello = Buffer.from(JSON.stringify({ command: "hello", peer_id: ctx.peerId }));
  const answer = Buffer.from(JSON.stringify({ status: "ok", peer_id: ctx.peerId }));
  udp.on("message", (data, remote) => {
    try {
      const frame = JSON.parse(data.toString()) as { command?: unknown; peer_id?: unknown };
      if (frame.command === "hello" && frame.peer_id !== ctx.peerId && remote.port > 0) udp.send(answer, remote.port, remote.address);
    } catch {
      // not ours to judge
    }
  });
  udp.bind(PORT, "0.0.0.0", () => {
    udp.setBroadcast(true);
    const announce = () => udp.send(hello, PORT, values.broadcast as string);
    announce();
    setInterval(announce, Number(values.interval) * 1000);
  });
  process.stdout.write(`hostile peer ${ctx.peerId} up, attack ${values.attack}\n`);
}

main();
