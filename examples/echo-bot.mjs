#!/usr/bin/env node
// A bot that joins the chat room and answers "!echo <text>" with "<sender> said: <text>".
//
//   node examples/echo-bot.mjs [--peer-id echo-bot] [--broadcast 192.168.1.255]
//
// Then, from any peer in the room: p2pchat send '!echo ahoj'. Ctrl-C stops it.
// The whole API is in docs/api.md.
import { parseArgs } from "node:util";
import { createChatNode } from "p2pchat";

const { values } = parseArgs({
  options: { "peer-id": { type: "string", default: "echo-bot" }, broadcast: { type: "string" } },
});

const node = createChatNode({
  peerId: values["peer-id"],
  // Without it: the broadcast address of this machine's first LAN interface.
  ...(values.broadcast ? { broadcastAddress: values.broadcast } : {}),
});

// Joining merges the room's history, old "!echo" lines included, and every merged message is a
// `message` event too. A message id is its sender's clock in ms, so older ones were said before
// we were here: leave them be.
const joinedAt = Date.now();

node.on("message", async ({ id, peer_id, message }) => {
  if (peer_id === node.peerId) return; // our own answers are `message` events as well
  if (Number(id) < joinedAt) return;
  const command = /^!echo\s+(.+)$/s.exec(message);
  if (!command) return;
  try {
    const answer = await node.send(`${peer_id} said: ${command[1]}`);
    console.log(`answered ${peer_id}: ${answer.message}`);
  } catch (err) {
    console.error(`could not answer ${peer_id}: ${err.message}`); // e.g. over the size peers accept
  }
});

const states = new Map();
node.on("peer", (peer) => {
  if (states.get(peer.peer_id) === peer.state) return; // `peer` also fires for smaller changes
  states.set(peer.peer_id, peer.state);
  console.log(`peer ${peer.peer_id} (${peer.address}): ${peer.summary}`);
});

await node.start();
console.log(`${node.peerId} is in the room: say "!echo hello"`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => node.stop().then(() => process.exit(0)));
}
