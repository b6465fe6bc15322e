// Looks at a running p2pchat from outside, as its own process (inside a container's network
// namespace: `nsenter -t <pid> -n node probe-peer.js ...`). It prints one JSON line with what it
// saw and exits 0, or exits 1 with the reason.
//
// It never says hello: a peer that hears a hello dials that peer's port 9876, which in the
// container's one network namespace is the daemon itself. What it does instead:
//
//   probe-peer.js check <address> <port> <http port>
//     HTTP: GET /messages answers a history. TCP: a new_message before hello gets the protocol's
//     error answer (docs/protocol.md §2). UDP: the port is taken (a bind without SO_REUSEADDR fails),
//     and the daemon's own hello broadcast to 127.255.255.255 arrives, carrying its peer_id.
//     It also lists the texts of the history, to see what survived a restart.
//   probe-peer.js send <address> <http port> <text>
//     GET /send?message=<text>; prints the answer.
//   probe-peer.js hold <address> <port>
//     a TCP connection, answered as above and then held; prints {"held":true}, and
//     {"closed":true,...} when the daemon closes it.
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";

const TIMEOUT_MS = 5_000;

function fail(why: string): never {
  process.stderr.write(`probe-peer: ${why}\n`);
  process.exit(1);
}

function within<T>(what: string, promise: Promise<T>, ms = TIMEOUT_MS): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref()),
  ]);
}

/** Connects and sends a new_message before any hello; resolves with the socket and the answer. */
function tcpUnintroduced(address: string, port: number): Promise<{ socket: Socket; answer: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(JSON.stringify({ command: "new_message", message_id: String(Date.now()), message: "probe" }) + "\n");
    });
    let buffered = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf("\n");
      if (end >= 0) resolve({ socket, answer: JSON.parse(buffered.slice(0, end)) as Record<string, unknown> });
    });
  });
}

/** Whether a socket of our own can take UDP `port` exclusively (it cannot while the daemon holds it). */
function udpPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.close();
      resolve(error.code === "EADDRINUSE");
    });
    socket.bind({ port, address: "0.0.0.0", exclusive: true }, () => {
      socket.close();
      resolve(false);
    });
  });
}

/** The next datagram broadcast to `port` (we share the port, as every peer on one host would). */
function nextBroadcast(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    socket.once("error", reject);
    socket.on("message", (data) => {
      socket.close();
      resolve(JSON.parse(data.toString("utf8")) as Record<string, unknown>);
    });
    socket.bind({ port, address: "0.0.0.0" });
  });
}

async function check(address: string, port: number, httpPort: number): Promise<void> {
  const response = await within("HTTP answer", fetch(`http://${address}:${httpPort}/messages`));
  const history = (await response.json()) as unknown;
  const { socket, answer } = await within("answer on TCP", tcpUnintroduced(address, port));
  socket.destroy();
  const udpTaken = await udpPortTaken(port);
  const hello = await within("hello broadcast", nextBroadcast(port));
  process.stdout.write(JSON.stringify({
    http: response.status,
    httpIsHistory: typeof history === "object" && history !== null && !Array.isArray(history),
    texts: Object.values(history as Record<string, { message?: unknown }>).map((m) => m.message),
    tcp: answer,
    udpTaken,
    hello,
  }) + "\n");
  process.exit(0);
}

async function send(address: string, httpPort: number, text: string): Promise<void> {
  const response = await within("HTTP answer", fetch(`http://${address}:${httpPort}/send?message=${encodeURIComponent(text)}`));
  process.stdout.write(JSON.stringify(await response.json()) + "\n");
  process.exit(response.ok ? 0 : 1);
}

async function hold(address: string, port: number): Promise<void> {
  const { socket, answer } = await within("answer on TCP", tcpUnintroduced(address, port));
  if (answer.status !== "error") fail(`new_message before hello answered ${JSON.stringify(answer)}`);
  process.stdout.write(JSON.stringify({ held: true }) + "\n");
  const started = Date.now();
  socket.on("error", () => undefined);
  socket.on("close", () => {
    process.stdout.write(JSON.stringify({ closed: true, afterMs: Date.now() - started }) + "\n");
    process.exit(0);
  });
}

const [mode, address = "127.0.0.1", port = "9876", httpPort = "8000"] = process.argv.slice(2);
const run = mode === "check" ? check(address, Number(port), Number(httpPort))
  : mode === "send" ? send(address, Number(port), httpPort)
  : mode === "hold" ? hold(address, Number(port))
  : Promise.reject(new Error(`unknown mode ${JSON.stringify(mode)}: check, send or hold`));
run.catch((error: unknown) => fail((error as Error).message));
