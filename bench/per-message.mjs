#!/usr/bin/env node
// CPU per received message, one message at a time: what a receiver pays for each wake-up at a
// chat's pace. One client connection over loopback says hello, then sends one `new_message` every
// INTERVAL ms and waits for its ack; after WARMUP messages it reads the server's CPU time
// (/proc/<pid>/task/*/schedstat, nanoseconds, all threads), sends COUNT more and reads it again.
// The servers, in turn, ROUNDS times: the bare Node.js ack server (bench/per-message-floor.mjs: the
// floor any Node.js peer pays) and p2pchat's daemon (dist/, `npm run build` first); with --against,
// another build of p2pchat ("before") instead of the bare server, for an A/B of a change.
//
// Usage: node bench/per-message.mjs [--rounds N] [--count N] [--warmup N] [--interval MS]
//          [--main PATH]   (another build's dist/src/cli/main.js as p2pchat)
//          [--against PATH]   (another build's main.js, measured as "before" in turn with p2pchat: an A/B)
//          [--only floor|p2pchat] [--strace]   (--strace: the system calls of the measured messages)
// The servers run with the node flags of p2pchat's command (its shebang; a build --against, with
// its own); BENCH_NODE_FLAGS="..." adds more (a --cpu-prof of the run, say).
// Loopback only: the servers listen on 127.0.0.1 ports of their own, p2pchat broadcasts its hellos
// to 127.255.255.255 and its HTTP API listens on 127.0.0.1.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeFlagsOf } from "../dist/bench/impl.js";
import { threadsCpuNs } from "../dist/bench/proc.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const rounds = Number(option("rounds", 2));
const count = Number(option("count", 500));
const warmup = Number(option("warmup", 100));
const intervalMs = Number(option("interval", 10));
const main = option("main", join(here, "..", "dist", "src", "cli", "main.js"));
const against = option("against", undefined);
const only = option("only", "");
const straced = args.includes("--strace");
/** Node flags for a server: those of a p2pchat build's command (its shebang, read by bench/impl.ts),
 *  then BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof", say. The bare server runs with
 *  p2pchat's; the build --against, with its own. */
function serverFlags(build) {
  return [...nodeFlagsOf(build), ...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean)];
}

const PORT = 19876;
const HTTP_PORT = 18000;

/** CPU time of every thread of `pid` so far, in µs. */
const cpuMicros = (pid) => threadsCpuNs(pid) / 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function connectWhenUp() {
  for (let tries = 0; tries < 500; tries++) {
    const socket = await new Promise((resolve) => {
      const s = connect(PORT, "127.0.0.1");
      s.once("connect", () => resolve(s));
      s.once("error", () => resolve(undefined));
    });
    if (socket) return socket;
    await sleep(10);
  }
  throw new Error("the server did not accept within 5 s");
}

/** Sends a frame and resolves with the next line the server writes. */
function exchange(socket, frame) {
  return new Promise((resolve) => {
    let buffered = "";
    const onData = (chunk) => {
      buffered += chunk;
      const end = buffered.indexOf("\n");
      if (end < 0) return;
      socket.off("data", onData);
      resolve(buffered.slice(0, end));
    };
    socket.on("data", onData);
    socket.write(`${JSON.stringify(frame)}\n`);
  });
}

function start(kind, dir) {
  const build = kind === "before" ? against : main;
  const prefix = [process.execPath, ...serverFlags(build)];
  const argv = kind === "floor"
    ? [...prefix, join(here, "per-message-floor.mjs"), String(PORT)]
    : [...prefix, build, "--config", join(dir, "config.ini"), "--peer-id", "bench-receiver", "--port", String(PORT),
      "--broadcast", "127.255.255.255", "--http-port", String(HTTP_PORT), "--http-bind", "127.0.0.1",
      "--log-level", "warn"];
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  return child;
}

/** With --strace: `strace -f -c` attached to `pid` for the measured messages only. */
async function attachStrace(pid, file) {
  if (!straced) return async () => {};
  const tracer = spawn("strace", ["-f", "-c", "-o", file, "-p", String(pid)], { stdio: "ignore" });
  const done = new Promise((resolve) => tracer.once("exit", resolve));
  await sleep(500);
  return async () => {
    tracer.kill("SIGINT");
    await done;
  };
}

async function measure(kind, dir) {
  const child = start(kind, dir);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    const socket = await connectWhenUp();
    socket.setNoDelay(true);
    socket.setEncoding("utf8");
    await exchange(socket, { command: "hello", peer_id: "bench-sender" });
    const pid = child.pid;
    let id = Date.now();
    const one = async () => {
      const reply = await exchange(socket, { command: "new_message", message_id: String(++id), message: "ping", peer_id: "bench-sender" });
      if (!reply.includes('"ok"')) throw new Error(`${kind} answered ${reply}`);
      await sleep(intervalMs);
    };
    for (let i = 0; i < warmup; i++) await one();
    const detach = await attachStrace(pid, join(dir, `${kind}.strace`));
    const before = cpuMicros(pid);
    for (let i = 0; i < count; i++) await one();
    const after = cpuMicros(pid);
    await detach();
    socket.destroy();
    return (after - before) / count;
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), "p2pchat-per-message-"));
try {
  // One sender at 100 messages/s: above the default rate rule, which is not what this measures.
  writeFileSync(join(dir, "config.ini"), "[HISTORY]\npeer_rate = 1000\npeer_burst = 1000\n");
  // With --against, the other build ("before") and this one ("p2pchat") in turn, round by round,
  // so that the machine's drift over the run falls on both alike.
  const kinds = only ? [only] : against ? ["before", "p2pchat"] : ["floor", "p2pchat"];
  const figures = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) figures[kind].push(await measure(kind, dir));
  }
  console.log(`CPU per message (µs), ${count} messages after ${warmup} of warm-up, one every ${intervalMs} ms, ${rounds} rounds:`);
  for (const kind of kinds) {
    const sorted = [...figures[kind]].sort((a, b) => a - b);
    console.log(`  ${kind.padEnd(8)} median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)}  (${figures[kind].map((f) => f.toFixed(0)).join(", ")})`);
  }
  if (straced) {
    for (const kind of kinds) {
      console.log(`\n${kind}: strace -f -c of the last round's measured messages (CPU figures are inflated by the tracing):`);
      console.log(readFileSync(join(dir, `${kind}.strace`), "utf8"));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
