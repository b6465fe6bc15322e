#!/usr/bin/env node
// The floor any Node.js peer pays: a script that opens the protocol's three sockets (TCP 9876,
// UDP 9876, HTTP 8000) and does nothing else. The start-up scenario (bench/scenarios/startup.ts)
// starts it beside p2pchat's daemon and the reference peer: what p2pchat spends beyond it is its
// own. Plain JavaScript, no imports past node:*, so that nothing of the project's is loaded.
//
// Usage: node bench/floor-peer.mjs [HTTP_ADDRESS] (default 127.0.0.1)
import * as dgram from "node:dgram";
import * as http from "node:http";
import * as net from "node:net";

const httpAddress = process.argv[2] ?? "127.0.0.1";
net.createServer((socket) => socket.on("data", () => socket.write('{"status":"ok"}\n'))).listen(9876, "0.0.0.0");
const udp = dgram.createSocket("udp4");
udp.bind(9876, "0.0.0.0", () => udp.setBroadcast(true));
http.createServer((_request, response) => response.end("{}")).listen(8000, httpAddress);
