// Shared steps of the multi-host scenarios: waiting for a peer to be up, for the full mesh, and
// for a message to be everywhere, each phrased so that a timeout says what was missing.
import type { Lan, LanHost } from "./netns.js";
import { sleep, waitFor } from "../support/wait.js";

export type History = Record<string, { peer_id: string; message: string }>;

/** Waits until the host's HTTP API answers, i.e. the peer on it is up. */
export function httpUp(lan: Lan, host: LanHost, timeoutMs = 10_000): Promise<true> {
  return waitFor(async () => (await lan.http(host, "/messages", { timeoutMs: 1_000 })).status === 200, {
    timeoutMs,
    what: `the HTTP API of ${host.name} (${host.address}) to answer`,
  });
}

/** The host's history; also takes the `{"messages":{...}}` shape some peers answer with. */
export async function historyOf(lan: Lan, host: LanHost): Promise<History> {
  const { status, body } = await lan.http(host, "/messages", { timeoutMs: 2_000 });
  if (status !== 200) throw new Error(`GET /messages on ${host.name}: HTTP ${status}`);
  const object = body as Record<string, unknown>;
  return (typeof object.messages === "object" && object.messages !== null ? object.messages : object) as History;
}

/**
 * Between one send and the next. A message's id is its sender's clock in ms, so two peers that
 * stamp the same millisecond give two messages one id, and every history keeps the first copy it
 * sees (docs/protocol.md §3): two sites cut apart, or two reference peers (whose ids do not step
 * past the ones they received), cannot see the clash coming. The bridge's cut test failed so when
 * both reference peers stamped 1796456369720. The scenarios are about other things than that.
 */
const APART_MS = 3;

/** The last send of this process: sends take turns, those of callers running at once too (two
 *  sites probing each other), or two of them could stamp one millisecond and clash (E_ID_CLASH). */
let lastSend: Promise<unknown> = Promise.resolve();

/** Sends `text` through the host's GET /send, and returns once no other send can share its millisecond. */
export function send(lan: Lan, host: LanHost, text: string): Promise<void> {
  const turn = lastSend.then(async () => {
    const { status, body } = await lan.http(host, `/send?message=${encodeURIComponent(text)}`);
    if (status !== 200) throw new Error(`GET /send on ${host.name}: HTTP ${status} ${JSON.stringify(body)}`);
    await sleep(APART_MS);
  });
  lastSend = turn.catch(() => undefined);
  return turn;
}

/** Every host has one inbound and one outbound protocol connection with every other host. */
export async function meshIsFull(lan: Lan, hosts: readonly LanHost[]): Promise<boolean> {
  for (const host of hosts) {
    const { inbound, outbound } = await lan.tcpConnections(host);
    const others = hosts.filter((h) => h !== host).map((h) => h.address).sort();
    if (JSON.stringify(inbound) !== JSON.stringify(others)) return false;
    if (JSON.stringify(outbound) !== JSON.stringify(others)) return false;
  }
  return true;
}

export async function describeMesh(lan: Lan, hosts: readonly LanHost[]): Promise<string> {
  const rows = await Promise.all(hosts.map(async (h) => {
    const { inbound, outbound } = await lan.tcpConnections(h);
    return `${h.name}: in [${inbound.join(" ")}] out [${outbound.join(" ")}]`;
  }));
  return rows.join("; ");
}

/** Waits for the full mesh; returns how long it took from `since` (ms, performance.now()). */
export async function waitForMesh(lan: Lan, hosts: readonly LanHost[], since: number, timeoutMs = 15_000): Promise<number> {
  try {
    await waitFor(() => meshIsFull(lan, hosts), { timeoutMs, intervalMs: 25, what: "the full mesh" });
  } catch (err) {
    throw new Error(`${(err as Error).message}\nconnections: ${await describeMesh(lan, hosts)}`);
  }
  return performance.now() - since;
}

/** Waits until `text` is in every host's history, from `peerId`. */
export async function waitForEverywhere(
  lan: Lan, hosts: readonly LanHost[], text: string, peerId: string, timeoutMs = 15_000,
): Promise<void> {
  await waitFor(async () => {
    for (const host of hosts) {
      const found = Object.values(await historyOf(lan, host)).find((m) => m.message === text);
      if (!found) return false;
      if (found.peer_id !== peerId) throw new Error(`${host.name} has "${text}" from ${found.peer_id}, not ${peerId}`);
    }
    return true;
  }, { timeoutMs, intervalMs: 50, what: `"${text}" from ${peerId} on ${hosts.map((h) => h.name).join(", ")}` });
}

/** Every text in every history, each exactly once (no copy under another id). A timeout names
 *  what each host still lacked at the last look, so a failed run says where the room split. */
export async function converged(hosts: Array<{ lan: Lan; host: LanHost }>, texts: string[], timeoutMs: number): Promise<void> {
  let lacking: string[] = [];
  try {
    await waitFor(async () => {
      const seen: string[] = [];
      for (const { lan, host } of hosts) {
        const messages = Object.values(await historyOf(lan, host)).map((m) => m.message);
        const absent = texts.filter((text) => {
          const copies = messages.filter((m) => m === text).length;
          if (copies > 1) throw new Error(`${host.name} holds "${text}" ${copies} times`);
          return copies === 0;
        });
        if (absent.length > 0) seen.push(`${host.name} lacks ${absent.map((t) => JSON.stringify(t)).join(", ")}`);
      }
      lacking = seen;
      return seen.length === 0;
    }, { timeoutMs, intervalMs: 100, what: `${texts.join(" | ")} once on ${hosts.map((h) => h.host.name).join(", ")}` });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${lacking.join("; ")}`);
  }
}
