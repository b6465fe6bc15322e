// The two implementations under test, started the same way on a LAN host: defaults everywhere
// (5 s discovery interval, history of 100, log level info), told only their peer_id, the LAN's
// broadcast address and to serve HTTP on the host's LAN address so the harness can reach it.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Lan, LanHost, LanProcess } from "../test/lan/netns.js";
import { repoRoot } from "../test/lan/netns.js";

export type Impl = "p2pchat" | "refpeer" | "node-floor";
/** The two compared in every scenario. */
export const IMPLS: readonly Impl[] = ["p2pchat", "refpeer"];
/** Mesh formation and delivery also run the floor of a Node.js peer (bench/floor-chat-peer.mjs): what
 *  the runtime costs there, whoever writes the peer. */
export const WITH_FLOOR: readonly Impl[] = [...IMPLS, "node-floor"];
export const IMPL_LABEL: Record<Impl, string> = { p2pchat: "p2pchat", refpeer: "reference peer", "node-floor": "bare Node.js peer (floor)" };

/** What runs as p2pchat: this build, or another's (BENCH_P2PCHAT_MAIN=/elsewhere/dist/src/cli/main.js)
 *  to compare two builds on the same machine, one run after the other. BENCH_EXTRA_ARGS="--log-level
 *  warn", say, adds command-line options to every p2pchat, BENCH_NODE_FLAGS node flags (to measure
 *  what a setting costs). */
export const P2PCHAT_MAIN = mainPath(process.env.BENCH_P2PCHAT_MAIN);

/** BENCH_P2PCHAT_MAIN as an absolute path: the peers run in their LAN's artifacts directory, where
 *  a path relative to the directory the benchmark was started in would name nothing. */
export function mainPath(fromEnvironment: string | undefined): string {
  return fromEnvironment ? path.resolve(fromEnvironment) : path.join(repoRoot, "dist", "src", "cli", "main.js");
}

/**
 * The node flags a p2pchat build runs with: those of its command's shebang (src/cli/main.ts says
 * why; `npm start` and deploy/chat.service repeat them), so that another build (BENCH_P2PCHAT_MAIN)
 * runs with its own.
 */
export function nodeFlagsOf(main: string): string[] {
  const first = fs.readFileSync(main, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\/usr\/bin\/env -S node (.*)$/.exec(first);
  return match?.[1]?.split(/\s+/).filter(Boolean) ?? [];
}

/** Set by `npm run bench -- --profile DIR`: every p2pchat (and bare Node.js peer) writes a V8 CPU profile there. */
let profileDir: string | undefined;
export function profileInto(dir: string | undefined): void {
  profileDir = dir;
}

/** Starts one peer. p2pchat runs as `npm start` runs it (node with its flags, dist/src/cli/main.js), in the LAN's
 *  artifacts directory so that no config/config.ini of the developer's is picked up; `main`: another build's. */
export function startPeer(lan: Lan, host: LanHost, impl: Impl, peerId: string, extraArgs: string[] = [], main = P2PCHAT_MAIN): LanProcess {
  if (impl === "refpeer") return lan.spawnRefpeer(host, { peerId, name: `${host.name}-${peerId}` });
  const profile = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `${peerId}-${process.pid}-${Date.now()}.cpuprofile`] : [];
  if (impl === "node-floor") {
    // With the node flags p2pchat runs with, so that the two differ only in the code they run.
    return lan.spawn(host, process.execPath, [...nodeFlagsOf(P2PCHAT_MAIN), ...profile, path.join(repoRoot, "bench", "floor-chat-peer.mjs"),
      "--peer-id", peerId, "--broadcast", lan.broadcast, "--http-bind", host.address], { name: `${host.name}-${peerId}`, cwd: lan.artifactsDir });
  }
  // The benchmark measures capacity: the per-peer rate limit ([HISTORY] peer_rate, peer_burst),
  // which refuses a flood from one peer, would measure the limit instead. The reference peer has
  // none, so both run without one (the report says so).
  fs.mkdirSync(lan.artifactsDir, { recursive: true });
  const config = path.join(lan.artifactsDir, "bench.ini");
  fs.writeFileSync(config, "[HISTORY]\npeer_rate = 1000000\npeer_burst = 1000000\n");
  return lan.spawn(host, process.execPath, [
    ...nodeFlagsOf(main),
    ...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean),
    ...profile,
    main,
    "--config", config,
    "--peer-id", peerId,
    "--broadcast", lan.broadcast,
    "--http-bind", host.address,
    ...(process.env.BENCH_EXTRA_ARGS ?? "").split(" ").filter(Boolean),
    ...extraArgs,
  ], { name: `${host.name}-${peerId}`, cwd: lan.artifactsDir });
}

/** The LAN's subnet in CIDR form, from its broadcast address (each LAN is one /24). */
export function subnetOf(lan: Lan): string {
  return lan.broadcast.replace(/\.255$/, ".0/24");
}
