#!/usr/bin/env node
// The newcomers of bench/join-cost.mjs, run inside the load host's namespace: JOINS of them, one
// after the other, GAP ms apart, each on an address of its own (ADDRESSES, comma-separated). A
// newcomer is a whole peer of docs/protocol.md as far as joining goes: it listens on its
// address's TCP 9876 and answers the hello of the peer under test with an empty history, says
// hello to it by datagram from its address's UDP 9876, connects to its TCP 9876 and says hello.
// A join is done when both hellos are answered; the CPU the peer under test (PID) spent on it is
// read from /proc/PID/task/*/schedstat, less what it spends idle over the gap. Connections stay
// open: the room grows by one peer per join, as a class's does. Prints one JSON line.
//
// Usage (after `npm run build`): node bench/join-driver.mjs TARGET PID ADDRESSES JOINS GAP_MS
import * as dgram from "node:dgram";
import * as net from "node:net";
import { threadsCpuNs } from "../dist/bench/proc.js";
import { sleep } from "../dist/test/support/wait.js";

const [target, pidText, addressList, joinsText, gapText] = process.argv.slice(2);
const pid = Number(pidText);
const addresses = (addressList ?? "").split(",");
const joins = Number(joinsText);
const gapMs = Number(gapText);
const PORT = 9876;
/** A join that takes longer is a peer that does not take newcomers in: the round fails. */
const JOIN_TIMEOUT_MS = 10_000;

/** CPU time of every thread of the peer under test, in ns. */
const cpuNs = () => threadsCpuNs(pid);
const kept = [];

/** One newcomer at `address`; resolves once the peer answered our hello and we answered its. */
async function join(address, peerId) {
  const hello = `{"command":"hello","peer_id":"${peerId}"}`;
  let answeredItsHello, ourHelloAnswered;
  const itsHello = new Promise((resolve) => (answeredItsHello = resolve));
  const ourHello = new Promise((resolve) => (ourHelloAnswered = resolve));
  const server = net.createServer((socket) => {
    kept.push(socket);
    let text = "";
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      text += chunk;
      if (!text.includes("\n")) return;
      if (text.includes('"hello"')) {
        socket.write('{"status":"ok","messages":{}}\n');
        answeredItsHello();
      }
      text = "";
    });
  });
  await new Promise((resolve) => server.listen(PORT, address, resolve));
  const udp = dgram.createSocket("udp4");
  udp.on("message", () => {});
  await new Promise((resolve) => udp.bind(PORT, address, resolve));
  kept.push(server, udp);
  const started = process.hrtime.bigint();
  udp.send(hello, PORT, target);
  const connection = net.connect({ host: target, port: PORT, localAddress: address }, () => connection.write(hello + "\n"));
  let reply = "";
  connection.on("error", () => {});
  connection.on("data", (chunk) => {
    reply += chunk;
    if (reply.includes("\n")) ourHelloAnswered();
  });
  kept.push(connection);
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${peerId} at ${address}: not both hellos answered within ${JOIN_TIMEOUT_MS} ms`)), JOIN_TIMEOUT_MS);
  });
  await Promise.race([Promise.all([itsHello, ourHello]), late]);
  clearTimeout(timer);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

await sleep(500);
const idleFrom = cpuNs();
await sleep(1_000);
const idleNsPerMs = (cpuNs() - idleFrom) / 1_000;
const cpuMs = [];
const wallMs = [];
for (let i = 0; i < joins; i++) {
  const before = cpuNs();
  wallMs.push(await join(addresses[i], `newcomer-${i + 1}`));
  await sleep(gapMs);
  cpuMs.push((cpuNs() - before - idleNsPerMs * gapMs) / 1e6);
}
process.stdout.write(JSON.stringify({ cpuMs, wallMs }) + "\n");
process.exit(0);
