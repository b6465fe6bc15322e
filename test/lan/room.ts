// The room of the hostile-classmate tests: a p2pchat under attack, a second p2pchat and a
// reference peer on a LAN of namespaces, spare hosts for the attackers, and the one check every
// case ends with: the room keeps chatting.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createLan, repoRoot, requireLan, requireRefpeer, type Lan, type LanHost, type LanProcess } from "./netns.js";
import { historyOf, httpUp, send, waitForEverywhere, waitForMesh } from "./scenario.js";
import { waitFor } from "../support/wait.js";

export const RSS_LIMIT_MB = 200;
/** "stored and shown on every p2pchat within 1 s" */
export const DELIVERY_MS = 1_000;

export interface Room {
  lan: Lan;
  /** The p2pchat under attack, a second p2pchat, and a reference peer. */
  attacked: LanHost;
  second: LanHost;
  reference: LanHost;
  p2pchats: Array<{ host: LanHost; process: LanProcess; exited: () => boolean }>;
  /** The reference peer's process (a test that restarts it puts the new one here). */
  refpeer: LanProcess;
  /** Hosts left for the attackers. */
  spare: LanHost[];
}

/** A fresh LAN with the room on it, fully meshed, removed afterwards whatever happens. */
export async function inRoom(
  t: Parameters<typeof requireLan>[0], attackers: number, body: (room: Room) => Promise<void>,
  options: { p2pchatArgs?: (lan: Lan) => string[] } = {},
): Promise<void> {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const lan = await createLan({ hosts: 3 + attackers });
  try {
    const [attacked, second, reference, ...spare] = lan.hosts as [LanHost, LanHost, LanHost, ...LanHost[]];
    const p2pchats = [[attacked, "ours1"], [second, "ours2"]].map(([host, peerId]) => {
      const process = lan.spawnP2pchat(host as LanHost, { peerId: peerId as string, args: options.p2pchatArgs?.(lan) ?? [] });
      let dead = false;
      void process.exited.then(() => (dead = true));
      return { host: host as LanHost, process, exited: () => dead };
    });
    const refpeer = lan.spawnRefpeer(reference, { peerId: "ref" });
    const started = performance.now();
    await Promise.all([attacked, second, reference].map((h) => httpUp(lan, h)));
    await waitForMesh(lan, [attacked, second, reference], started, 20_000);
    await body({ lan, attacked, second, reference, p2pchats, refpeer, spare });
  } finally {
    await lan.destroy();
  }
}

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Infinity;
}

/** How many messages `host` has stored from `peerId` (GET /stats). */
async function storedFrom(lan: Lan, host: LanHost, peerId: string): Promise<number> {
  const { status, body } = await lan.http(host, "/stats", { timeoutMs: 2_000 });
  if (status !== 200) throw new Error(`GET /stats on ${host.name}: HTTP ${status}`);
  return (body as { peers: Record<string, { messagesStored: number }> }).peers[peerId]?.messagesStored ?? 0;
}

/**
 * For a message that did not arrive in time: its id on the sender, and what each receiver holds
 * under that id, if anything (it arrived late; another message took the id; or nothing).
 */
async function whereIsIt(lan: Lan, sender: LanHost, receivers: LanHost[], text: string): Promise<string> {
  try {
    const own = await historyOf(lan, sender);
    const id = Object.entries(own).find(([, m]) => m.message === text)?.[0];
    if (id === undefined) {
      // A peer that keeps the newest ids drops its own message at once when it holds enough
      // messages with later ids (a flood from a clock ahead): whether the receivers have it still
      // tells a late message from a lost one.
      const ids = Object.keys(own);
      const held = await Promise.all(receivers.map(async (h) => {
        const found = Object.entries(await historyOf(lan, h)).find(([, m]) => m.message === text);
        return found ? `${h.name} holds it as ${found[0]} from ${found[1].peer_id}` : `${h.name} does not hold it`;
      }));
      return `not in ${sender.name}'s own history (${ids.length} messages, ids ${ids[0] ?? "-"} to ${ids.at(-1) ?? "-"}); ${held.join("; ")}`;
    }
    const held = await Promise.all(receivers.map(async (h) => `${h.name} holds ${JSON.stringify((await historyOf(lan, h))[id] ?? null)}`));
    return `id ${id} on ${sender.name}; ${held.join("; ")}`;
  } catch (err) {
    return `not found out: ${(err as Error).message}`;
  }
}

/** The room keeps chatting: every participant's new message reaches every p2pchat within 1 s. */
export async function assertRoomChats(t: { diagnostic(message: string): void }, room: Room, label: string): Promise<void> {
  const { lan, attacked, second, reference, p2pchats } = room;
  for (const { host, process, exited } of p2pchats) {
    assert.equal(exited(), false, `p2pchat on ${host.name} exited:\n${process.output().slice(-3_000)}`);
  }
  const senders: Array<[LanHost, string]> = [[second, "ours2"], [reference, "ref"], [attacked, "ours1"]];
  for (const [host, peerId] of senders) {
    const text = `${label}: still chatting, says ${peerId}`;
    // Timed by the receivers' counters (a few bytes each), not by reading their histories, which
    // an attack may have made megabytes long: the 1 s is the room's, not the test's reading.
    const receivers = p2pchats.map((p) => p.host).filter((h) => h !== host);
    const before = await Promise.all(receivers.map((h) => storedFrom(lan, h, peerId)));
    const sent = performance.now();
    await send(lan, host, text);
    try {
      await waitFor(async () => {
        const now = await Promise.all(receivers.map((h) => storedFrom(lan, h, peerId)));
        return now.every((count, i) => count > (before[i] as number));
      }, { timeoutMs: DELIVERY_MS, intervalMs: 20, what: `${peerId}'s message stored on ${receivers.map((h) => h.name).join(", ")}` });
    } catch (err) {
      t.diagnostic(`${label}: ${peerId}'s message late: ${await whereIsIt(lan, host, receivers, text)}`);
      throw err;
    }
    t.diagnostic(`${label}: ${peerId}'s message on every p2pchat ${(performance.now() - sent).toFixed(0)} ms after /send`);
    // And it is that message, under that author, and shown (GET /messages), however long that read takes.
    await waitForEverywhere(lan, p2pchats.map((p) => p.host), text, peerId, 10_000);
  }
  for (const { host, process } of p2pchats) {
    const rss = rssMb(process.pid);
    assert.ok(rss < RSS_LIMIT_MB, `p2pchat on ${host.name}: RSS ${rss.toFixed(0)} MB`);
    t.diagnostic(`${label}: p2pchat on ${host.name} RSS ${rss.toFixed(0)} MB`);
  }
}

export function spawnHostile(lan: Lan, host: LanHost, attack: string, opts: { peerId?: string; args?: string[] } = {}): LanProcess {
  const script = path.join(repoRoot, "dist", "test", "support", "hostile-peer.js");
  const peerId = opts.peerId ?? `hostile-${attack}`;
  return lan.spawn(host, process.execPath, [script, "--peer-id", peerId, "--broadcast", lan.broadcast, "--attack", attack, ...(opts.args ?? [])], {
    name: `${host.name}-hostile-${attack}`,
  });
}

/** The hostile peer's last tally of the replies `from` gave to its messages. */
export function tallyFrom(hostile: LanProcess, from: LanHost): { ok: number; error: number } | undefined {
  const lines = hostile.output().split("\n").filter((line) => line.startsWith(`tally ${from.address} `));
  const match = /ok=(\d+) error=(\d+)/.exec(lines.at(-1) ?? "");
  return match ? { ok: Number(match[1]), error: Number(match[2]) } : undefined;
}

/** Lines the process has written so far. */
export function lineCount(process: LanProcess): number {
  return process.output().split("\n").length;
}

/** Waits until `host` has an outbound connection to `to` (it has found and dialled it). */
export function dialled(lan: Lan, host: LanHost, to: LanHost): Promise<true> {
  return waitFor(async () => (await lan.tcpConnections(host)).outbound.includes(to.address), {
    timeoutMs: 10_000, what: `${host.name} to dial ${to.name}`,
  });
}

