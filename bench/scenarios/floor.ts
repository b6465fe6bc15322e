// The runtimes' own floor, for reading the other figures: the smallest possible TCP peer in
// Node.js and in Python (accept, read a frame, write an ack; nothing else), fed one frame at a time
// on loopback at a chat's pace. Its CPU per message and its RSS are what any peer written on that
// runtime pays before doing any work of its own.
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { repoRoot } from "../../test/lan/netns.js";
import { sleep } from "../clock.js";
import { cpuMs, rssMb } from "../proc.js";
import { round } from "../stats.js";

export interface FloorResult {
  runtime: "node" | "python";
  messages: number;
  gapMs: number;
  /** CPU of the server per message (µs). */
  cpuPerMessageUs: number;
  rssMb: number;
}

/** The Node.js server: bench/per-message-floor.mjs, on any port of 127.0.0.1 (it prints the port). */
export const NODE_SERVER = path.join(repoRoot, "bench", "per-message-floor.mjs");

const PYTHON_SERVER = `
import socket, sys, threading
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(8)
print(server.getsockname()[1], flush=True)
def serve(conn):
    while conn.recv(65536):
        conn.sendall(b'{"status":"ok"}\\n')
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()`;

/** Servers still running, killed if the benchmark exits early (they run outside the LANs). */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function runFloor(runtime: "node" | "python", options: { messages: number; gapMs: number }): Promise<FloorResult> {
  const child: ChildProcess = runtime === "node"
    ? spawn(process.execPath, [NODE_SERVER, "0"], { stdio: ["ignore", "pipe", "inherit"] })
    : spawn("python3", ["-c", PYTHON_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once("exit", () => reject(new Error(`${runtime} echo server exited`)));
    });
    // python3 may be a shim that execs the real interpreter: same pid either way.
    const socket = net.connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once("connect", resolve));
    const frame = JSON.stringify({ command: "new_message", message_id: "1700000000000", message: "x".repeat(40) }) + "\n";
    const ack = () => new Promise((resolve) => socket.once("data", resolve));
    for (let i = 0; i < 20; i++) {
      // Warm-up, as in the delivery scenario.
      socket.write(frame);
      await ack();
    }
    const before = cpuMs(child.pid!);
    for (let i = 0; i < options.messages; i++) {
      socket.write(frame);
      await ack();
      await sleep(options.gapMs);
    }
    const used = cpuMs(child.pid!) - before;
    const rss = rssMb(child.pid!);
    socket.destroy();
    return { runtime, messages: options.messages, gapMs: options.gapMs, cpuPerMessageUs: round((used * 1000) / options.messages), rssMb: round(rss) };
  } finally {
    child.kill("SIGKILL");
  }
}
