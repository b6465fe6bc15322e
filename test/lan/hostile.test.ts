// "One bad peer must not break the room": a hostile classmate on a LAN of namespaces, beside a
// second p2pchat and a reference peer. After each attack the room must keep chatting: both
// p2pchat processes alive and under the RSS bound, and messages sent by the others after the
// attack stored and shown on every p2pchat within 1 s. Each test has its own LAN.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Lan, LanHost } from "./netns.js";
import { assertRoomChats, dialled, inRoom, spawnHostile } from "./room.js";
import { historyOf, send, waitForEverywhere } from "./scenario.js";
import { sendRawUdp } from "../support/raw-udp.js";
import { sleep, waitFor } from "../support/wait.js";

/** Opens `count` HTTP connections to host:8000 and keeps each mid-request, a header line now and then. */
const SLOWLORIS = `
const net = require("node:net");
const [host, count] = [process.argv[1], Number(process.argv[2])];
let open = 0;
for (let i = 0; i < count; i++) {
  const socket = net.connect({ host, port: 8000 });
  socket.on("error", () => {});
  socket.on("connect", () => {
    open++;
    socket.write("GET /messages HTTP/1.1\\r\\nHost: " + host + "\\r\\n");
    const timer = setInterval(() => socket.write("X-Slow-" + i + ": 1\\r\\n"), 3000);
    socket.on("close", () => { open--; clearInterval(timer); });
  });
}
setInterval(() => console.log("open", open), 1000);
`;

/** Runs `count` GET /messages from inside `host`'s namespace to its own address; prints the failures. */
async function requestsFromInside(lan: Lan, host: LanHost, count: number): Promise<{ failed: number; output: string }> {
  const url = `http://${host.address}:8000/messages`;
  const script = `let failed = 0; (async () => { for (let i = 0; i < ${count}; i++) { ` +
    `try { const r = await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }); await r.text(); if (r.status !== 200) failed++; } ` +
    `catch (e) { failed++; console.error(String(e)); } } console.log("failed", failed); })()`;
  const child = lan.spawn(host, process.execPath, ["-e", script], { name: `${host.name}-local-requests` });
  await child.exited;
  const match = /failed (\d+)/.exec(child.output());
  return { failed: match ? Number(match[1]) : count, output: child.output() };
}

describe("one bad peer must not break the room", { concurrency: true }, () => {
  it("case 1: a peer answers our hello, or acks our message, with JSON nested 5,000 levels deep", async (t) => {
    await inRoom(t, 2, async (room) => {
      const [deepReply, deepAck] = room.spare as [LanHost, LanHost];
      spawnHostile(room.lan, deepReply, "deep-reply");
      spawnHostile(room.lan, deepAck, "deep-ack");
      for (const { host } of room.p2pchats) {
        await dialled(room.lan, host, deepReply);
        await dialled(room.lan, host, deepAck);
      }
      // Our messages go to the deep-ack peer too, and its ack is the attack.
      await send(room.lan, room.attacked, "a message the hostile peer acks with 5,000 brackets");
      await sleep(500);
      await assertRoomChats(t, room, "case 1");
    });
  });

  it("case 2: one UDP hello from source port 0, with a forged source address, sent to the broadcast address", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [attacker] = room.spare as [LanHost];
      // An address on the LAN that no host has: the answer, if any were sent, would go nowhere.
      const forged = room.lan.broadcast.replace(/\.255$/, ".200");
      await sendRawUdp({
        netns: attacker.ns, from: forged, fromPort: 0, to: room.lan.broadcast, toPort: 9876,
        payload: JSON.stringify({ command: "hello", peer_id: "portless" }),
      });
      await sleep(500);
      await assertRoomChats(t, room, "case 2");
      const history = await historyOf(room.lan, room.attacked);
      assert.ok(Object.values(history).some((m) => m.message === "case 2: still chatting, says ref"));
    });
  });

  it("case 10: 300 half-open HTTP connections (slowloris) from one LAN host", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [attacker] = room.spare as [LanHost];
      const slow = room.lan.spawn(attacker, process.execPath, ["-e", SLOWLORIS, room.attacked.address, "300"], { name: "slowloris" });
      await waitFor(() => /open \d+/.test(slow.output()), { timeoutMs: 5_000, what: "the slowloris connections" });
      await sleep(1_000);
      // Requests from another LAN host (the test process), then from the attacked host itself.
      let failed = 0;
      for (let i = 0; i < 50; i++) {
        const response = await room.lan.http(room.attacked, "/messages", { timeoutMs: 2_000 }).catch(() => undefined);
        if (response?.status !== 200) failed++;
      }
      assert.equal(failed, 0, "requests from another LAN host failed");
      const inside = await requestsFromInside(room.lan, room.attacked, 50);
      assert.equal(inside.failed, 0, `local requests failed: ${inside.output}`);
      t.diagnostic(`case 10: attacker's connections still open: ${/open (\d+)\s*$/.exec(slow.output())?.[1]}`);
      await assertRoomChats(t, room, "case 10");
    });
  });

  it("case 11: GET /send with a 60 KB message is stored and reaches the room", async (t) => {
    await inRoom(t, 0, async (room) => {
      const text = `60 KB: ${"ž".repeat(30 * 1024)}`;
      await send(room.lan, room.attacked, text);
      await waitForEverywhere(room.lan, [room.attacked, room.second, room.reference], text, "ours1", 2_000);
      await assertRoomChats(t, room, "case 11");
    });
  });
});
