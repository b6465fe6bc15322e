import { createSocket } from "node:dgram";
import { createServer, type AddressInfo } from "node:net";
import type { Config } from "../../src/config/types.js";
import { createLogger, type Logger } from "../../src/log/logger.js";

/**
 * Loopback test hosts: every address in 127.0.0.0/8 is local on Linux, so several peers can each
 * listen on the same protocol port at 127.77.N.x, the way they would on separate hosts.
 */
let subnet = 0;
export function loopbackHosts(count: number): string[] {
  subnet = (subnet % 250) + 1;
  const block = (process.pid % 200) + 10;
  return Array.from({ length: count }, (_, i) => `127.${block}.${subnet}.${i + 1}`);
}

/** A port that is free right now on 127.0.0.1; fine for tests that bind other 127.x addresses. */
export async function freePort(): Promise<number> {
  const held = await heldPort();
  await held.release();
  return held.port;
}

/**
 * A port kept from other tests until released, on which nothing answers at the other 127.x
 * addresses: a server holds it on 127.0.0.1 meanwhile. A port from freePort() is closed, and the
 * kernel may hand it to the next test that asks for one, which then starts a daemon on it on all
 * addresses: a test that wants "nothing answers" for longer than a moment takes this instead.
 */
export async function heldPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A test's own UDP socket on a loopback host: what it received, as text, and a send that
 *  resolves once the datagram is out (or rejects with the send's error). */
export interface UdpProbe {
  readonly received: string[];
  send(data: string | Buffer, port: number, host: string): Promise<void>;
  close(): void;
}

export async function udpProbe(host: string): Promise<UdpProbe> {
  const socket = createSocket("udp4");
  const received: string[] = [];
  socket.on("message", (data) => received.push(data.toString()));
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return {
    received,
    send: (data, port, to) => new Promise<void>((resolve, reject) => socket.send(data, port, to, (err) => (err ? reject(err) : resolve()))),
    close: () => socket.close(),
  };
}

/** Log lines kept in memory, so tests can both assert on them and print them when they fail. */
export class LogCapture {
  readonly lines: string[] = [];
  logger(prefix: string, level: Config["log"]["level"] = "debug"): Logger {
    return createLogger({ level, prefix, journald: false, write: (line) => this.lines.push(line) });
  }
  has(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }
}

/** A config with short timeouts, so the timeout paths run in a test's time. */
export function testConfig(overrides: {
  peerId: string;
  port: number;
  broadcastAddress?: string;
  tcp?: Partial<Config["tcp"]>;
  discovery?: Partial<Config["discovery"]>;
  peers?: Partial<Config["peers"]>;
  historyLimit?: number;
  history?: Partial<Omit<Config["history"], "limit">>;
  bridge?: Partial<Config["bridge"]>;
}): Config {
  return {
    peerId: overrides.peerId,
    port: overrides.port,
    broadcastAddress: overrides.broadcastAddress ?? "127.255.255.255",
    http: { port: 0, bind: "127.0.0.1" },
    discovery: { intervalMs: 60_000, peerTimeoutMs: 30_000, maxPeers: 1000, ...overrides.discovery },
    peers: { static: [], forgetAfterDays: 7, ...overrides.peers },
    history: {
      limit: overrides.historyLimit ?? 100, maxMessageBytes: 64 * 1024, file: "",
      maxIdAheadMs: 300_000, peerRatePerSecond: 10, peerBurst: 200, ...overrides.history,
    },
    tcp: {
      connectTimeoutMs: 1_000,
      helloTimeoutMs: 1_000,
      ackTimeoutMs: 1_000,
      retryMinMs: 50,
      retryMaxMs: 200,
      maxFrameBytes: 1024 * 1024,
      maxHelloReplyBytes: 8 * 1024 * 1024,
      helloReplyBudgetBytes: 1024 * 1024,
      maxSendAttempts: 5,
      maxQueuedMessages: 1000,
      introTimeoutMs: 10_000,
      maxWriteBufferBytes: 16 * 1024 * 1024,
      maxConnections: 2048,
      maxConnectionsPerAddress: 8,
      ...overrides.tcp,
    },
    log: { level: "debug" },
    bridge: { listen: [], peers: [], room: "p2pchat", keyFile: "", identityFile: "", ...overrides.bridge },
  };
}
