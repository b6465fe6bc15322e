#!/usr/bin/env node
// The floor of a Node.js *peer*: the protocol (docs/protocol.md §1-4) in as little Node.js as it
// takes, with none of p2pchat's care: no limits, no checks of what peers send, no retries, no
// waiting for acks (every new message is written to every connection at once, as the reference
// peer does), no log. The benchmark's mesh and delivery scenarios run it beside p2pchat and the
// reference peer: what it measures is what any peer written for Node.js pays for the same work
// (a process start, a wake-up per datagram, connection and frame), so where it is behind the
// reference peer too, the runtime is what stops p2pchat, not p2pchat's own code.
//
// Usage: node bench/floor-chat-peer.mjs --peer-id ID --broadcast ADDRESS --http-bind ADDRESS
// Never for real use: one bad frame ends it.
import * as dgram from "node:dgram";
import * as http from "node:http";
import * as net from "node:net";
import { StringDecoder } from "node:string_decoder";
import { onread, readAccepted } from "./floor-reads.mjs";
import { writeStraight } from "./floor-writes.mjs";

const args = process.argv.slice(2);
const option = (name) => args[args.indexOf(`--${name}`) + 1];
const me = option("peer-id");
const broadcast = option("broadcast");
const httpBind = option("http-bind");
const PORT = 9876;
const LIMIT = 100;

/** id -> { peer_id, message }, in insertion order; the oldest inserted goes past LIMIT. */
const history = new Map();
function store(id, peerId, message) {
  if (history.has(id)) return;
  history.set(id, { peer_id: peerId, message });
  if (history.size > LIMIT) history.delete(history.keys().next().value);
}
const snapshot = () => Object.fromEntries([...history].sort(([a], [b]) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0)));

/** Reads that call `onLine` with each complete line (floor-reads.mjs hands them on). */
function lines(onLine) {
  const text = new StringDecoder("utf8");
  let buffered = "";
  return (chunk) => {
    buffered += text.write(chunk);
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      if (line) onLine(line);
    }
  };
}

/** peer_id -> our connection to it, once its hello is answered. */
const outbound = new Map();
const connecting = new Set();
function connectTo(peerId, host) {
  if (peerId === me || outbound.has(peerId) || connecting.has(peerId)) return;
  connecting.add(peerId);
  let ready = false;
  const socket = net.connect({ port: PORT, host, onread: onread(lines((line) => {
    if (ready) return; // acks of our new_message frames
    ready = true;
    connecting.delete(peerId);
    for (const [id, entry] of Object.entries(JSON.parse(line).messages ?? {})) store(id, entry.peer_id, entry.message);
    outbound.set(peerId, socket);
  })) });
  socket.setNoDelay(true);
  socket.on("connect", () => socket.write(`${JSON.stringify({ command: "hello", peer_id: me })}\n`));
  const gone = () => {
    connecting.delete(peerId);
    if (outbound.get(peerId) === socket) outbound.delete(peerId);
  };
  socket.on("error", gone);
  socket.on("close", gone);
}

const ACK = Buffer.from('{"status":"ok"}\n');
net.createServer({ pauseOnConnect: true }, (socket) => {
  socket.setNoDelay(true);
  let remote;
  readAccepted(socket, lines((line) => {
    const frame = JSON.parse(line);
    if (frame.command === "hello") {
      remote = frame.peer_id;
      socket.write(`${JSON.stringify({ status: "ok", messages: snapshot() })}\n`);
      connectTo(remote, socket.remoteAddress.replace(/^::ffff:/, ""));
    } else if (frame.command === "new_message") {
      store(String(frame.message_id), remote, frame.message);
      writeStraight(socket, ACK);
    }
  }));
  socket.on("error", () => {});
}).listen(PORT, "0.0.0.0");

// Every destination is an address already: given back in the same call, where dns.lookup() would
// give it back a tick later (p2pchat's discovery does the same, src/discovery/literal-lookup.ts).
const udp = dgram.createSocket({ type: "udp4", lookup: (address, _family, callback) => callback(null, address, 4) });
const hello = Buffer.from(`${JSON.stringify({ command: "hello", peer_id: me })}\n`);
const answer = Buffer.from(`${JSON.stringify({ status: "ok", peer_id: me })}\n`);
udp.on("message", (data, from) => {
  const frame = JSON.parse(data.toString("utf8"));
  if (frame.peer_id === me) return;
  if (frame.command === "hello") udp.send(answer, from.port, from.address);
  connectTo(frame.peer_id, from.address);
});
udp.bind(PORT, "0.0.0.0", () => {
  udp.setBroadcast(true);
  const announce = () => udp.send(hello, PORT, broadcast);
  announce();
  setInterval(announce, 5_000);
});

let lastId = 0;
http.createServer((request, response) => {
  const url = new URL(request.url, "http://peer");
  if (url.pathname === "/send") {
    const text = url.searchParams.get("message") ?? "";
    lastId = Math.max(lastId + 1, Date.now());
    const id = String(lastId);
    store(id, me, text);
    const frame = Buffer.from(`${JSON.stringify({ command: "new_message", message_id: id, message: text, peer_id: me })}\n`);
    for (const socket of outbound.values()) writeStraight(socket, frame);
    response.end('{"status":"ok"}');
  } else {
    response.end(JSON.stringify(snapshot()));
  }
}).listen(8000, httpBind);

// Stopped by the harness: exit normally, so that a --cpu-prof profile is written.
process.on("SIGTERM", () => process.exit(0));
