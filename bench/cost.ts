#!/usr/bin/env node
// CPU one peer spends per message, sending and receiving, in a mesh of 10 (--n) whose other 9 are the
// bare Node.js peer (bench/floor-chat-peer.mjs: cheap and correct, so that what is measured is the
// peer under test). Each implementation in turn on the same hosts:
// - send: COUNT messages through the peer's own GET /send, one every GAP ms (it writes 9
//   new_message frames and reads 9 acks per message);
// - receive: COUNT messages sent by the 9 others in turn, one every GAP ms (it reads one
//   new_message and writes one ack per message).
// CPU is the peer's, user and system, from /proc/<pid>/stat (clock ticks of 10 ms, so COUNT should
// be a few hundred): the process's own figure, which keeps the time of threads that have ended
// (the reference peer's HTTP server runs each request in a thread of its own; a sum over the
// threads still alive in /proc/<pid>/task would miss it), over the measured messages, after
// WARMUP of each. The delivery scenario's "CPU of all peers per message" is 1 send + 9
// receives of this.
//
// Usage (root, after `npm run build`): node dist/bench/cost.js [--count N] [--warmup N] [--gap MS]
//   [--only p2pchat,refpeer,node-floor] [--rounds N] [--n MESH SIZE] [--profile DIR]
// BENCH_P2PCHAT_MAIN=<other build>/dist/src/cli/main.js measures another build as p2pchat.
import { parseArgs } from "node:util";
import { withLan, type LanHost, type LanProcess } from "../test/lan/netns.js";
import { sleep } from "./clock.js";
import { IMPL_LABEL, profileInto, startPeer, WITH_FLOOR, type Impl } from "./impl.js";
import { cpuTimesMs, threadDelta, threadTimes } from "./proc.js";
import { sendMessage } from "./send.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "300" },
    warmup: { type: "string", default: "100" },
    gap: { type: "string", default: "20" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
    rounds: { type: "string", default: "1" },
    n: { type: "string", default: "10" },
    profile: { type: "string" },
  },
});
const count = Number(values.count);
const warmup = Number(values.warmup);
const gapMs = Number(values.gap);
const impls = values.only.split(",") as Impl[];
const meshSize = Number(values.n);
if (!Number.isInteger(meshSize) || meshSize < 2 || meshSize > 40) throw new Error(`--n: expected a mesh size from 2 to 40, got ${values.n}`);
// --profile DIR: p2pchat writes a V8 CPU profile there (sum it with dist/bench/profile-summary.js).
profileInto(values.profile);

/** What `measure` cost `pid`, per message of `n`. */
async function perMessage(pid: number, n: number, measure: () => Promise<void>): Promise<{ total: number; user: number; system: number; threads: string }> {
  const before = cpuTimesMs(pid);
  const threadsBefore = threadTimes(pid);
  await measure();
  const after = cpuTimesMs(pid);
  const user = ((after.user - before.user) * 1000) / n;
  const system = ((after.system - before.system) * 1000) / n;
  // Per thread and message: CPU (µs), times it slept and was woken, times it was preempted.
  const threads = threadDelta(threadsBefore, threadTimes(pid))
    .filter((t) => t.cpuMs > 0 || t.wakeUps > 0)
    .map((t) => `${t.name} ${((t.cpuMs * 1000) / n).toFixed(0)} µs ${(t.wakeUps / n).toFixed(2)} wake-ups ${(t.preempted / n).toFixed(2)} preempted`)
    .join("; ");
  return { total: user + system, user, system, threads };
}

/** Sends `n` messages one every gapMs from `senders` in turn; waits for every answer. */
async function sendFrom(senders: readonly LanHost[], label: string, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    const record = await sendMessage(senders[k % senders.length]!, `${label} #${k}`);
    if (record.status !== 200) throw new Error(`${label}: /send answered ${record.status}`);
    await sleep(gapMs);
  }
}

const figures = new Map<Impl, { send: number[]; receive: number[] }>();
await withLan({ hosts: meshSize }, async (lan) => {
  const [tested, ...others] = lan.hosts as [LanHost, ...LanHost[]];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const impl of impls) {
      const processes: LanProcess[] = others.map((host, i) => startPeer(lan, host, "node-floor", `floor-${i + 1}`));
      const peer = startPeer(lan, tested, impl, `tested-${impl}`);
      processes.push(peer);
      try {
        // The mesh: every bare peer holds the hello of the others (their histories stay empty).
        await sleep(1_500);
        // Paced far apart enough that every ack is in before the next message (a mesh of idle
        // peers answers in a few ms); the last acks get 300 ms.
        const sent = async (label: string, senders: readonly LanHost[], n: number) => {
          await sendFrom(senders, label, n);
          await sleep(300);
        };
        await sent("warm-up send", [tested], warmup);
        const send = await perMessage(peer.pid, count, () => sent("send", [tested], count));
        await sent("warm-up receive", others, warmup);
        const receive = await perMessage(peer.pid, count, () => sent("receive", others, count));
        const entry = figures.get(impl) ?? { send: [], receive: [] };
        entry.send.push(send.total);
        entry.receive.push(receive.total);
        figures.set(impl, entry);
        console.log(`${IMPL_LABEL[impl]}: ${send.total.toFixed(0)} µs per message sent to ${meshSize - 1} (user ${send.user.toFixed(0)}, ` +
          `system ${send.system.toFixed(0)}), ${receive.total.toFixed(0)} µs per message received (user ${receive.user.toFixed(0)}, system ${receive.system.toFixed(0)})`);
        console.log(`  per thread and message sent: ${send.threads}\n  per thread and message received: ${receive.threads}`);
      } finally {
        for (const p of processes) p.kill("SIGTERM");
        await Promise.all(processes.map((p) => p.exited));
      }
    }
  }
});
console.log(`\nCPU per message (µs, medians of ${values.rounds}), a mesh of ${meshSize}, one every ${gapMs} ms, ${count} after ${warmup} of warm-up:`);
for (const [impl, { send, receive }] of figures) {
  console.log(`  ${IMPL_LABEL[impl].padEnd(28)} send to ${meshSize - 1}: ${median(send).toFixed(0).padStart(5)}   receive: ${median(receive).toFixed(0).padStart(5)}`);
}
