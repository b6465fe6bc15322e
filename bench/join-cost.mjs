#!/usr/bin/env node
// What one peer spends to take one newcomer in, one join at a time: the CPU behind the room's
// figure of the newcomer scenario (section 1b), measured with nothing else going on and many
// times over, so that two builds can be told apart by a few percent. The peer under test runs
// alone on one host of a LAN; bench/join-driver.mjs plays JOINS newcomers from the load host, one
// after the other, GAP ms apart, each on an address of its own in the LAN's subnet (as a class's
// peers are), and keeps their connections: the peer's room grows by one peer per join. Reported
// per round: the median CPU per join (user and system, all threads, from schedstat), the same
// over joins 2-10 (a process's first joins run code that has run a few times only: bench/analysis.md
// "Feedback from the first call"), and the median time from the newcomer's hello until both
// hellos were answered. The implementations in turn, round by round.
//
// Usage (root, after `npm run build`): node bench/join-cost.mjs [--joins 100] [--gap 40]
//   [--rounds 3] [--only p2pchat,refpeer,node-floor]   (BENCH_P2PCHAT_MAIN for another build)
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ipBatch } from "../dist/bench/addresses.js";
import { IMPL_LABEL, startPeer, WITH_FLOOR } from "../dist/bench/impl.js";
import { median } from "../dist/bench/stats.js";
import { raiseNeighbourLimits } from "../dist/bench/sysctl.js";
import { withLan } from "../dist/test/lan/netns.js";
import { httpUp } from "../dist/test/lan/scenario.js";

const { values } = parseArgs({
  options: {
    joins: { type: "string", default: "100" },
    gap: { type: "string", default: "40" },
    rounds: { type: "string", default: "3" },
    only: { type: "string", default: WITH_FLOOR.join(",") },
  },
});
const joins = Number(values.joins);
// The newcomers' addresses are .10 and up of the LAN's own /24 (its hosts are .1 and .2, the bridge .254).
const FIRST_ADDRESS = 10;
if (!Number.isInteger(joins) || joins < 10 || joins > 240) throw new Error(`--joins: expected 10 to 240, got ${values.joins}`);
const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "join-driver.mjs");
const fixed = (ms) => ms.toFixed(3);

/** One round of one implementation: its CPU per join (ms), each join in order, and the joins' times. */
async function runRound(impl) {
  return withLan({ hosts: 2 }, async (lan) => {
    const [target, load] = [lan.hosts[0], lan.hosts[1]];
    const prefix = lan.broadcast.replace(/\.255$/, "");
    const addresses = Array.from({ length: joins }, (_, i) => `${prefix}.${FIRST_ADDRESS + i}`);
    // On the load host's link, as /32s: the LAN's own subnet, deleted with its namespace.
    await ipBatch(load.ns, addresses.map((a) => `addr add ${a}/32 dev eth0`));
    const peer = startPeer(lan, target, impl, `${impl}-under-test`);
    await httpUp(lan, target);
    const driver = lan.spawn(load, process.execPath, [DRIVER, target.address, String(peer.pid), addresses.join(","),
      String(joins), values.gap], { name: "join-driver" });
    const { code } = await driver.exited;
    // The harness adds lines of its own to a process's output (its exit): the driver's is the JSON one.
    const last = driver.output().split("\n").filter((line) => line.startsWith("{")).at(-1) ?? "";
    if (code !== 0 || last === "") throw new Error(`join driver exited ${code}: ${driver.output().slice(-500)}`);
    return JSON.parse(last);
  });
}

const impls = values.only.split(",");
const summary = new Map(impls.map((impl) => [impl, []]));
const limits = raiseNeighbourLimits();
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const impl of impls) {
      const { cpuMs, wallMs } = await runRound(impl);
      const all = median(cpuMs);
      const early = median(cpuMs.slice(1, 10));
      summary.get(impl).push({ all, early, wall: median(wallMs) });
      console.log(`${IMPL_LABEL[impl]}, round ${round + 1}: CPU per join ${fixed(all)} ms (joins 2-10: ${fixed(early)} ms), ` +
        `hello → both hellos answered ${median(wallMs).toFixed(2)} ms, ${joins} joins ${values.gap} ms apart`);
    }
  }
} finally {
  limits.restore();
}
for (const [impl, rounds] of summary) {
  console.log(`${IMPL_LABEL[impl]}: CPU per join, median of ${rounds.length} rounds ${fixed(median(rounds.map((r) => r.all)))} ms ` +
    `(joins 2-10: ${fixed(median(rounds.map((r) => r.early)))} ms)`);
}
