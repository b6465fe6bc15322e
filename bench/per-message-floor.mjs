#!/usr/bin/env node
// The bare Node.js ack server bench/per-message.mjs measures p2pchat against: one TCP server on
// 127.0.0.1 that answers every line it reads with `{"status":"ok"}`, as the protocol's receiver
// does, and does nothing else (no JSON parsing, no history). What any Node.js peer pays per message.
//
// Usage: node bench/per-message-floor.mjs PORT
import * as net from "node:net";

const port = Number(process.argv[2] ?? 19876);
net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (chunk) => {
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) socket.write('{"status":"ok"}\n');
  });
}).listen(port, "127.0.0.1");
