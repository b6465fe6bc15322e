#!/usr/bin/env node
// p2pchat's own work for one received new_message, in one process and without sockets: the frame
// decoded, the command checked, the message judged and stored in a full history (100 messages
// from 9 hosts, so every message stored makes one go), the ack encoded, the frame counted in and
// out, as the server does it for each frame (src/peers/server.ts). What the socket, Node's
// streams and the kernel add is the same for every Node.js peer, and is left out; so is the
// node's relay check of each stored message (src/node.ts mayRelayFrom).
//
// Run in two of V8's tiers, each in a process of its own: baseline code (Sparkplug: `node
// --no-opt --always-sparkplug`), what a peer runs in its first thousand or so messages at a chat's
// pace, before V8 optimises the hot functions, and V8's default, where they end up optimised
// (what a room that has run for a while runs: bench/analysis.md "A room past V8's threshold"). Time is
// per message, from process.hrtime, over the last --measure of --messages; median of --rounds.
//
// Usage (after `npm run build`): node dist/bench/receive-path.js [--messages 3000] [--measure 1000]
//   [--rounds 5] [--src DIR]
// --src: the compiled src/ of another build (<worktree>/dist/src), to compare two builds.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "3000" },
    measure: { type: "string", default: "1000" },
    rounds: { type: "string", default: "5" },
    src: { type: "string", default: path.resolve(here, "../src") },
    child: { type: "boolean", default: false },
  },
});

const HOSTS = 9;
const HISTORY_LIMIT = 100;

/** One process: the messages through the path, the median and mean µs of the measured ones. */
async function measureHere(src: string, messages: number, measure: number): Promise<{ median: number; mean: number }> {
  const load = (module: string) => import(pathToFileURL(path.join(src, module)).href);
  const { FrameDecoder } = await load("protocol/decoder.js");
  const { encodeFrame } = await load("protocol/encoder.js");
  const { handleCommand } = await load("peers/commands.js");
  const { History } = await load("history/history.js");
  const { MessageIntake } = await load("history/intake.js");
  const { Stats } = await load("stats/stats.js");
  const { createLogger } = await load("log/logger.js");

  const logger = createLogger({ level: "info", write: () => undefined });
  const stats = new Stats();
  const history = new History(HISTORY_LIMIT);
  history.on("message", () => undefined);
  // No rate limit, as the benchmark's peers run (bench/impl.ts).
  const intake = new MessageIntake(history, logger, stats, { peerRatePerSecond: 1_000_000, peerBurst: 1_000_000 });
  const store = intake.receive.bind(intake);
  const hosts = Array.from({ length: HOSTS }, (_, i) => ({
    peerId: `floor-${i + 1}`,
    decoder: new FrameDecoder(),
    // What the server hands handleCommand for a connection (src/peers/server.ts).
    context: {
      remotePeerId: `floor-${i + 1}`,
      maxMessageBytes: 65_536,
      remoteAddress: `198.18.0.${i + 2}`,
      introduce: () => undefined,
      snapshot: () => ({}),
      store,
      mayBeAuthor: () => false,
    },
  }));
  // Ids of the last few minutes, in order, as a room's clocks make them.
  let id = Date.now() - messages - 60_000;
  const times: number[] = [];
  for (let i = 0; i < messages; i++) {
    const host = hosts[i % HOSTS]!;
    const frame = { command: "new_message", message_id: String(++id), message: `message ${i} of the room, a line of chat`, peer_id: host.peerId };
    const chunk = Buffer.from(`${JSON.stringify(frame)}\n`);
    const started = process.hrtime.bigint();
    for (const decoded of host.decoder.push(chunk)) {
      stats.count("framesIn", host.peerId);
      if (!decoded.ok) throw new Error(`not decoded: ${decoded.error.message}`);
      const reply = handleCommand(decoded.value, host.context);
      encodeFrame(reply);
      stats.count("framesOut", host.peerId);
    }
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  if (history.size !== HISTORY_LIMIT) throw new Error(`history holds ${history.size}, not ${HISTORY_LIMIT}: messages were refused`);
  const measured = times.slice(-measure).sort((a, b) => a - b);
  return { median: measured[Math.floor(measured.length / 2)]!, mean: measured.reduce((a, b) => a + b, 0) / measured.length };
}

if (values.child) {
  const result = await measureHere(values.src, Number(values.messages), Number(values.measure));
  process.stdout.write(JSON.stringify(result));
} else {
  const tiers = [
    { name: "baseline code (--no-opt --always-sparkplug)", flags: ["--no-opt", "--always-sparkplug"] },
    { name: "V8's default (optimised once hot)", flags: [] },
  ];
  const rounds = Number(values.rounds);
  process.stdout.write(`${values.src}: one new_message received, ${values.messages} messages, the last ${values.measure} measured, median of ${rounds} processes\n`);
  for (const tier of tiers) {
    const results: Array<{ median: number; mean: number }> = [];
    for (let round = 0; round < rounds; round++) {
      const child = spawnSync(process.execPath, [...tier.flags, fileURLToPath(import.meta.url), "--child",
        "--src", values.src, "--messages", values.messages, "--measure", values.measure], { encoding: "utf8" });
      if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
      results.push(JSON.parse(child.stdout) as { median: number; mean: number });
    }
    const middle = (pick: (r: { median: number; mean: number }) => number) =>
      results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]!.toFixed(2);
    process.stdout.write(`  ${tier.name}: median ${middle((r) => r.median)} µs, mean ${middle((r) => r.mean)} µs per message\n`);
  }
}
