// "One bad peer must not break the room", the cases aimed at who is who: an impostor taking a
// restarting classmate's peer_id, and made-up peer_ids filling the peer table. Each on its own LAN.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { LanHost } from "./netns.js";
import { assertRoomChats, inRoom, spawnHostile } from "./room.js";
import { historyOf, httpUp, send, waitForEverywhere } from "./scenario.js";
import { sendRawUdpMany } from "../support/raw-udp.js";
import { sleep, waitFor } from "../support/wait.js";

interface PeerRow { peer_id: string; address: string; state: string; summary: string }

async function peersOf(room: { lan: import("./netns.js").Lan }, host: LanHost): Promise<PeerRow[]> {
  const { status, body } = await room.lan.http(host, "/peers", { timeoutMs: 2_000 });
  assert.equal(status, 200);
  return (body as { peers: PeerRow[] }).peers;
}

describe("a hostile classmate against identities", { concurrency: true }, () => {
  it("case 6: another host announces a restarting classmate's peer_id; the classmate gets its messages back", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [impostorHost] = room.spare as [LanHost];
      room.refpeer.kill("SIGKILL");
      await room.refpeer.exited;
      spawnHostile(room.lan, impostorHost, "impostor", { peerId: "ref" });
      await sleep(3_000);
      room.refpeer = room.lan.spawnRefpeer(room.reference, { peerId: "ref", name: "h3-refpeer-restarted" });
      await httpUp(room.lan, room.reference);
      // Our messages reach the real classmate again, at its known address.
      const text = "for the real ref, not the impostor";
      await waitFor(async () => {
        await send(room.lan, room.attacked, `${text} ${Date.now()}`);
        return Object.values(await historyOf(room.lan, room.reference)).some((m) => m.message.startsWith(text));
      }, { timeoutMs: 15_000, intervalMs: 1_000, what: "a message of ours in the real reference peer's history" });
      const row = (await peersOf(room, room.attacked)).find((p) => p.peer_id === "ref");
      t.diagnostic(`case 6: /peers on ours1 says of ref: ${JSON.stringify(row)}`);
      assert.equal(row?.address, room.reference.address, "ref stays at its known address");
      assert.equal(row?.state, "clash");
      assert.match(row?.summary ?? "", new RegExp(impostorHost.address.replace(/\./g, "\\.")));
      await assertRoomChats(t, room, "case 6");
    });
  });

  it("case 9: 150 addresses x 4 made-up peer_ids fill the table; a latecomer and a restarting peer still get in", async (t) => {
    const maxPeers = 300;
    await inRoom(t, 2, async (room) => {
      const [attacker, latecomer] = room.spare as [LanHost, LanHost];
      const prefix = room.lan.broadcast.replace(/\.255$/, "");
      const hellos = [];
      for (let host = 100; host < 250; host++) {
        for (let k = 0; k < 4; k++) {
          hellos.push({ from: `${prefix}.${host}`, fromPort: 9876, payload: JSON.stringify({ command: "hello", peer_id: `fake-${host}-${k}` }) });
        }
      }
      await sendRawUdpMany({ netns: attacker.ns, to: room.lan.broadcast, toPort: 9876 }, hellos);
      await waitFor(async () => (await peersOf(room, room.attacked)).length >= maxPeers, { timeoutMs: 5_000, what: "a full peer table" });
      // A classmate restarts: it is not evicted for a made-up id while it is away.
      const second = room.p2pchats[1]!;
      second.process.kill("SIGKILL");
      await second.process.exited;
      await sendRawUdpMany({ netns: attacker.ns, to: room.lan.broadcast, toPort: 9876 }, hellos);
      await sleep(3_000);
      assert.ok((await peersOf(room, room.attacked)).some((p) => p.peer_id === "ours2"), "ours2 was evicted while it restarted");
      const restarted = room.lan.spawnP2pchat(room.second, { peerId: "ours2", name: "h2-p2pchat-restarted", args: ["--config", configFile(room.lan.artifactsDir, maxPeers)] });
      let dead = false;
      void restarted.exited.then(() => (dead = true));
      room.p2pchats[1] = { host: room.second, process: restarted, exited: () => dead };
      await httpUp(room.lan, room.second);
      // A latecomer is let in.
      room.lan.spawnRefpeer(latecomer, { peerId: "late" });
      await httpUp(room.lan, latecomer);
      // Let in while the table is full of made-up ids: connected both ways with the attacked peer.
      const admitted = Date.now();
      await waitFor(async () => (await peersOf(room, room.attacked)).some((p) => p.peer_id === "late" && p.state === "both"),
        { timeoutMs: 20_000, intervalMs: 200, what: "the latecomer connected both ways with the attacked peer" });
      t.diagnostic(`case 9: the latecomer connected both ways ${Date.now() - admitted} ms after it started`);
      // The reference peer sends only on connections it dialled itself, and dials a peer when it
      // hears its hello; flooded by made-up hellos (a thread for each), it may hear the restarted
      // peer's only at one of its next ones. Not what is tested here: the room must chat once
      // everyone is connected again, and that wait is the reference peer's.
      const reconnected = Date.now();
      await waitFor(async () => (await peersOf(room, room.second)).some((p) => p.peer_id === "ref" && p.state === "both"),
        { timeoutMs: 20_000, intervalMs: 200, what: "the reference peer connected both ways with the restarted peer" });
      t.diagnostic(`case 9: the reference peer connected both ways with the restarted peer after ${Date.now() - reconnected} ms`);
      // The reference peer sends a message only on connections whose hello was answered, and
      // never later (PROTOCOL.md has no catch-up after the hello): give its own a moment.
      await sleep(500);
      await send(room.lan, latecomer, "the latecomer is in");
      await waitForEverywhere(room.lan, room.p2pchats.map((p) => p.host), "the latecomer is in", "late", 10_000);
      await assertRoomChats(t, room, "case 9");
    }, { p2pchatArgs: (lan) => ["--config", configFile(lan.artifactsDir, maxPeers)] });
  });
});

describe("a hostile classmate against the log", () => {
  it("case 11: 10,000 UDP hellos with made-up peer_ids write a handful of log lines, not one or three each", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [attacker] = room.spare as [LanHost];
      const log = room.p2pchats[0]!.process.logFile;
      const before = readFileSync(log, "utf8").split("\n").length;
      const prefix = room.lan.broadcast.replace(/\.255$/, "");
      const hellos = Array.from({ length: 10_000 }, (_, i) => ({
        from: `${prefix}.${100 + (i % 150)}`, fromPort: 9876, payload: JSON.stringify({ command: "hello", peer_id: `fake-${i}` }),
      }));
      await sendRawUdpMany({ netns: attacker.ns, to: room.attacked.address, toPort: 9876 }, hellos);
      await sleep(5_000); // their connects fail (unreachable) within the connect timeout
      const written = readFileSync(log, "utf8").split("\n").length - before;
      t.diagnostic(`case 11: ${written} log lines for 10,000 hellos with made-up peer_ids`);
      assert.ok(written < 150, `${written} log lines`);
      await assertRoomChats(t, room, "case 11 (log)");
    });
  });
});

function configFile(dir: string, maxPeers: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "max-peers.ini");
  writeFileSync(file, `[DISCOVERY]\nmax_peers = ${maxPeers}\n`);
  return file;
}
