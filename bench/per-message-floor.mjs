#!/usr/bin/env node
// The bare Node.js ack server: one TCP server that answers every line it reads with
// `{"status":"ok"}`, as the protocol's receiver does, and does nothing else (no JSON parsing, no
// history). What any Node.js peer pays per message: bench/per-message.mjs measures p2pchat
// against it, and the benchmark's runtime floor and ingest ceiling are this server.
//
// Usage: node bench/per-message-floor.mjs [PORT [ADDRESS]]   (default 19876 on 127.0.0.1; port 0:
// any). Prints the port once it listens.
import * as net from "node:net";
import { readAccepted } from "./floor-reads.mjs";
import { writeStraight } from "./floor-writes.mjs";

const port = Number(process.argv[2] ?? 19876);
const address = process.argv[3] ?? "127.0.0.1";
const ACK = Buffer.from('{"status":"ok"}\n');
const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  socket.setNoDelay(true);
  readAccepted(socket, (chunk) => {
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) writeStraight(socket, ACK);
  });
});
server.listen(port, address, () => console.log(server.address().port));
