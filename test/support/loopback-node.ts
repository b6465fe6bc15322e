import { spawn, type ChildProcess } from "node:child_process";
import type { Config } from "../../src/config/types.js";
import { ChatNode } from "../../src/node.js";
import { LogCapture, testConfig } from "./loopback.js";

type ConfigOverrides = Parameters<typeof testConfig>[0];

/** A ChatNode listening on one loopback address, with its log captured. */
export async function startLoopbackNode(
  host: string,
  overrides: ConfigOverrides,
  logs = new LogCapture(),
): Promise<{ node: ChatNode; logs: LogCapture; config: Config; httpBase: string }> {
  const config = testConfig(overrides);
  config.http.bind = host;
  const node = new ChatNode(config, logs.logger(overrides.peerId), { bindAddress: host });
  await node.start();
  return { node, logs, config, httpBase: `http://${host}:${node.httpAddress.port}` };
}

/**
 * A TCP listener whose accept queue is full, so a connect to it gets no answer at all: the only
 * way on loopback to make a connect hang (a closed port answers at once with a reset). Node
 * always accepts, so a small python3 script holds the socket.
 */
export async function startBlackHole(host: string, port: number): Promise<{ stop(): void }> {
  const script = `
import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(0)
fill = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect((sys.argv[1], int(sys.argv[2])))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.2)
print("ready", flush=True)
time.sleep(120)
`;
  const child: ChildProcess = spawn("python3", ["-c", script, host, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`black hole exited with ${code}`)));
  });
  return { stop: () => child.kill("SIGKILL") };
}
