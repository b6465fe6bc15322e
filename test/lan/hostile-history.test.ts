// "One bad peer must not break the room", the cases aimed at the history: wrong clocks, floods,
// huge messages, our own peer_id, and hello replies of unbounded size. Each on its own LAN.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { describe, it } from "node:test";
import type { LanHost, LanProcess } from "./netns.js";
import { assertRoomChats, dialled, inRoom, rssMb, spawnHostile, tallyFrom, type Room } from "./room.js";
import { historyOf, httpUp, send, waitForEverywhere } from "./scenario.js";
import { sleep, waitFor } from "../support/wait.js";

/** Every participant says something before the attack: the history the attack must not erase. */
async function earlierMessages(room: Room, count: number): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    for (const [host, peerId] of [[room.attacked, "ours1"], [room.second, "ours2"], [room.reference, "ref"]] as Array<[LanHost, string]>) {
      const text = `before the attack ${i}, says ${peerId}`;
      await send(room.lan, host, text);
      texts.push(text);
    }
  }
  await waitForEverywhere(room.lan, room.p2pchats.map((p) => p.host), texts.at(-1) as string, "ref", 3_000);
  return texts;
}

async function assertStillHeld(room: Room, texts: string[]): Promise<void> {
  for (const { host } of room.p2pchats) {
    const held = new Set(Object.values(await historyOf(room.lan, host)).map((m) => m.message));
    const missing = texts.filter((text) => !held.has(text));
    assert.deepEqual(missing, [], `${host.name} lost earlier messages`);
  }
}

const logBytes = (room: Room, host: LanHost): number =>
  statSync(room.p2pchats.find((p) => p.host === host)?.process.logFile as string).size;

describe("a hostile classmate against the history", { concurrency: true }, () => {
  it("case 3: clocks in microseconds, an hour ahead and an hour behind cannot silence the room", async (t) => {
    await inRoom(t, 3, async (room) => {
      const [micro, ahead, behind] = room.spare as [LanHost, LanHost, LanHost];
      const earlier = await earlierMessages(room, 2);
      const attackers: [LanProcess, LanProcess, LanProcess] = [
        spawnHostile(room.lan, micro, "microsecond-clock"),
        spawnHostile(room.lan, ahead, "clock-ahead"),
        spawnHostile(room.lan, behind, "clock-behind"),
      ];
      for (const [hostile, name] of [[attackers[0], "microsecond"], [attackers[1], "hour-ahead"]] as Array<[LanProcess, string]>) {
        for (const { host } of room.p2pchats) {
          await waitFor(() => tallyFrom(hostile, host)?.error === 100, { timeoutMs: 10_000, what: `${host.name} to refuse all 100 ${name} messages` });
        }
        assert.match(hostile.output(), /E_ID_FROM_FUTURE: message_id \d+ /, "the refusal tells the sender about its clock");
      }
      assert.match(attackers[0].output(), /looks like microseconds/);
      // The clock an hour behind is only behind: its messages rank lower, but each is either
      // stored (its ack says ok) or refused with an error that says why, never acked and dropped.
      for (const { host } of room.p2pchats) {
        await waitFor(() => { const tally = tallyFrom(attackers[2], host); return tally && tally.ok + tally.error === 100; },
          { timeoutMs: 10_000, what: `${host.name} to answer the clock-behind messages` });
        const stored = Object.values(await historyOf(room.lan, host)).filter((m) => m.message.startsWith("hostile-clock-behind clock message")).length;
        t.diagnostic(`case 3: ${host.name} answered the clock-behind messages ${JSON.stringify(tallyFrom(attackers[2], host))}, holds ${stored}`);
        assert.ok(stored > 0, `${host.name} stored none of the clock-behind messages`);
      }
      await sleep(2_500); // the wrong clocks' hello replies too
      for (const { host } of room.p2pchats) {
        const ids = Object.keys(await historyOf(room.lan, host));
        assert.ok(ids.every((id) => BigInt(id) < BigInt(Date.now() + 5 * 60_000)), `${host.name} holds ids from the future`);
      }
      await assertStillHeld(room, earlier);
      await assertRoomChats(t, room, "case 3");
    });
  });

  it("case 4: a flood of 10,000 messages leaves the others' earlier messages, and a bounded log", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [flooder] = room.spare as [LanHost];
      const earlier = await earlierMessages(room, 5);
      const logBefore = logBytes(room, room.attacked);
      const hostile = spawnHostile(room.lan, flooder, "flood", { args: ["--count", "10000"] });
      for (const { host } of room.p2pchats) {
        await waitFor(() => { const tally = tallyFrom(hostile, host); return tally && tally.ok + tally.error === 10_000; },
          { timeoutMs: 20_000, what: `${host.name} to answer all 10,000` });
        t.diagnostic(`case 4: ${host.name} answered the flood ${JSON.stringify(tallyFrom(hostile, host))}`);
      }
      await assertStillHeld(room, earlier);
      await assertRoomChats(t, room, "case 4");
      const logged = logBytes(room, room.attacked) - logBefore;
      t.diagnostic(`case 4: the attacked peer logged ${logged} bytes during the flood`);
      assert.ok(logged < 20_000, `${logged} bytes of log for one flood`);
    });
  });

  it("case 5: 100 messages of 60 KiB, then a reference peer restarts and joins again", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [sender] = room.spare as [LanHost];
      const hostile = spawnHostile(room.lan, sender, "big-messages", { args: ["--count", "100", "--bytes", String(60 * 1024)] });
      for (const { host } of room.p2pchats) {
        await waitFor(() => { const tally = tallyFrom(hostile, host); return tally && tally.ok + tally.error === 100; },
          { timeoutMs: 15_000, what: `${host.name} to answer the 100 big messages` });
        t.diagnostic(`case 5: ${host.name} answered the big messages ${JSON.stringify(tallyFrom(hostile, host))}`);
      }
      await restartReference(room);
      // It joined: it has our history (within the reply budget), and the room chats with it.
      await waitFor(async () => Object.values(await historyOf(room.lan, room.reference)).some((m) => m.peer_id === "ours1" || m.peer_id === "hostile-big-messages"),
        { timeoutMs: 15_000, what: "the restarted reference peer to take a hello reply" });
      await assertRoomChats(t, room, "case 5");
    });
  });

  it("case 7: a connection that says hello with our own peer_id is refused, and nothing is stored as ours", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [impostor] = room.spare as [LanHost];
      const hostile = spawnHostile(room.lan, impostor, "own-id", { args: ["--as", "ours1", "--target", room.attacked.address] });
      await waitFor(() => hostile.output().includes(`hello reply from ${room.attacked.address}`), { timeoutMs: 10_000, what: "the hello answered" });
      assert.match(hostile.output(), new RegExp(`hello reply from ${room.attacked.address.replace(/\./g, "\\.")}: \\{"status":"error","message":"E_OWN_PEER_ID`));
      await sleep(500);
      const history = await historyOf(room.lan, room.attacked);
      assert.equal(Object.values(history).filter((m) => m.message.startsWith("not really yours")).length, 0);
      await assertRoomChats(t, room, "case 7");
    });
  });

  it("case 8: a 64 MiB hello reply of tiny invalid entries, announced every 0.5 s", async (t) => {
    await inRoom(t, 1, async (room) => {
      const [huge] = room.spare as [LanHost];
      const hostile = spawnHostile(room.lan, huge, "huge-reply");
      await waitFor(() => hostile.output().includes(`accepted from ${room.attacked.address}`), { timeoutMs: 10_000, what: "the attacked peer to dial it" });
      // Local users are served throughout.
      let slow = 0;
      const started = Date.now();
      for (let i = 0; i < 50; i++) {
        const response = await room.lan.http(room.attacked, "/messages", { timeoutMs: 1_000 }).catch(() => undefined);
        if (response?.status !== 200) slow++;
        await sleep(100);
      }
      assert.equal(slow, 0, "HTTP requests timed out during the attack");
      const dials = hostile.output().split("\n").filter((l) => l === `accepted from ${room.attacked.address}`).length;
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`case 8: ${dials} connections from the attacked peer in ${seconds.toFixed(0)} s of hellos every 0.5 s`);
      assert.ok(dials <= 8, `${dials} reconnects: the backoff was skipped`);
      for (const { host, process } of room.p2pchats) assert.ok(rssMb(process.pid) < 200, `${host.name} RSS`);
      await assertRoomChats(t, room, "case 8");
    });
  });
});

/** Kills the room's reference peer and starts it again with the same peer_id. */
async function restartReference(room: Room): Promise<void> {
  room.refpeer.kill("SIGKILL");
  await room.refpeer.exited;
  room.refpeer = room.lan.spawnRefpeer(room.reference, { peerId: "ref", name: `${room.reference.name}-refpeer-restarted` });
  await httpUp(room.lan, room.reference);
}
