// A LAN of network namespaces on one Linux machine, for tests that need several whole peers.
//
// The protocol fixes its ports (docs/protocol.md "Identity and ports": UDP+TCP 9876, HTTP 8000), so two
// peers can only coexist on two hosts. Each host here is a network namespace with one veth
// ("eth0") plugged into a Linux bridge: real broadcast, real ARP, real TCP, no port juggling.
//
//   root namespace (the test process)            namespace <id>-h1          namespace <id>-h2
//   bridge <id>br 198.18.X.254/32 ── veth <id>v1 ─ eth0 198.18.X.1/24  ...  eth0 198.18.X.2/24
//
// Two LANs can be joined (createSites): a host with a veth on each bridge ("eth0" on its own LAN,
// "eth1" on the other, through veth <id>w<N>), either as a router (ip_forward=1, and the other
// hosts routed through it: broadcast does not cross) or as a dual-homed host (no forwarding).
//
// Rules this file keeps:
// - Every address is inside 198.18.0.0/15 (RFC 2544 benchmarking space) and every subnet is one
//   the machine does not use yet. Broadcasts go to the LAN's own 198.18.X.255, never 255.255.255.255.
// - The bridge holds a /32, not the /24: the test process can reach every host (on-link route), but
//   the root namespace does not take the LAN's broadcasts as its own, so a p2pchat or anything else
//   listening on UDP 9876 outside the LAN never hears (and answers) the LAN's hellos.
// - Everything created is named after the creating process (`p2c` + pid in base 36 + counter), so
//   parallel test files never collide and leftovers of a crashed run are recognised and removed by
//   the next createLan(). Teardown also runs from process 'exit' and on SIGINT/SIGTERM/SIGHUP.
import { execFileSync, spawn as spawnChild, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { onAnyExit } from "../support/on-any-exit.js";
import { reapIfAsked, running, startReaper } from "../support/reaper.js";

export { running };

/** docs/protocol.md "Identity and ports". */
export const PEER_PORT = 9876;
export const HTTP_PORT = 8000;

export interface LanHost {
  /** Label used in log file names and messages ("h1", or what addHost() was given). */
  readonly name: string;
  /** Network namespace name (for `ip netns exec`). */
  readonly ns: string;
  /** IPv4 address of the host's eth0, e.g. "198.18.37.1". */
  readonly address: string;
  /** Host-side end of the host's veth (a bridge port, in the root namespace). */
  readonly veth: string;
}

export interface LanProcess {
  readonly pid: number;
  readonly name: string;
  readonly host: LanHost;
  /** stdout and stderr as they arrived (the last ~200 KB). */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Sends a signal (default SIGTERM) to the process; no-op once it has exited. */
  kill(signal?: NodeJS.Signals): void;
  /** Full output, kept after the test: test-artifacts/lan/<lan id>/<name>.log */
  readonly logFile: string;
}

export interface SpawnOptions {
  /** Log/display name; default "<host>-<command>". Made unique within the LAN. */
  name?: string;
  /** Added to (and overriding) the test process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Working directory; default the test process's. */
  cwd?: string;
}

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whole-request timeout (connect to last byte); default 5000 ms. */
  timeoutMs?: number;
  /** Default HTTP_PORT. */
  port?: number;
}

export interface HttpResponse {
  status: number;
  /** The parsed JSON body, or the raw text if it is not JSON. */
  body: any;
  text: string;
  headers: http.IncomingHttpHeaders;
}

export interface Lan {
  readonly id: string;
  readonly hosts: readonly LanHost[];
  /** The LAN's broadcast address, e.g. "198.18.37.255": give this to every peer. */
  readonly broadcast: string;
  /** The root namespace's (the test process's) address on the LAN, e.g. "198.18.37.254". */
  readonly bridgeAddress: string;
  readonly bridge: string;
  /** test-artifacts/lan/<id>/: one log file per spawned process. */
  readonly artifactsDir: string;
  addHost(name?: string): Promise<LanHost>;
  /** Runs `ip netns exec <host.ns> command ...args`; the pid is the command's own. */
  spawn(host: LanHost, command: string, args: string[], opts?: SpawnOptions): LanProcess;
  /** The reference peer (../shared/reference-peer/refpeer.py) on `host`. Quirks are its switches,
   *  with or without the leading "--"; a switch with a value is written "ack-delay=2". */
  spawnRefpeer(host: LanHost, opts: { peerId: string; quirks?: string[]; interval?: number; name?: string }): LanProcess;
  /** Our CLI (dist/src/cli/main.js) on `host`, told the LAN's broadcast and the host's address.
   *  It runs in artifactsDir (unless opts.cwd), so a developer's config/config.ini in the repo is
   *  not picked up; pass `--config <file>` in args to test with one. */
  spawnP2pchat(host: LanHost, opts: {
    peerId: string; args?: string[]; name?: string; env?: NodeJS.ProcessEnv; cwd?: string;
    /** false: no --broadcast, so it broadcasts on every interface of its namespace (and only there). */
    broadcast?: false;
  }): LanProcess;
  /** An HTTP request from the test process to the host's API, through the bridge. */
  http(host: LanHost, path: string, init?: HttpInit): Promise<HttpResponse>;
  /** Established TCP connections on the protocol port, as the remote IP addresses: inbound =
   *  accepted on local port 9876; outbound = opened to remote port 9876. */
  tcpConnections(host: LanHost): Promise<{ inbound: string[]; outbound: string[] }>;
  /** Sets the host's eth0 (or `device`, inside its namespace) up or down: cuts it off without a RST. */
  setLink(host: LanHost, up: boolean, device?: string): Promise<void>;
  /** The LAN's subnet, e.g. "198.18.37.0/24". */
  readonly subnet: string;
  /**
   * A host on this LAN (eth0) with a second veth (eth1) on `other`'s bridge: a router when
   * `forward` (ip_forward=1 inside it), else a dual-homed host. It belongs to this LAN (spawn,
   * http, teardown); `otherAddress` is its address on `other`.
   */
  addJoinedHost(other: Lan, opts: { name: string; forward: boolean }): Promise<LanHost & { otherAddress: string }>;
  /** Routes `subnet` from each of `hosts` through `gateway` (an address on this LAN). */
  route(hosts: readonly LanHost[], subnet: string, gateway: string): Promise<void>;
  /** Stops every process in the LAN's namespaces (SIGTERM, SIGKILL after 2 s) and deletes the
   *  namespaces, veths and bridge. Idempotent; concurrent calls share one teardown. */
  destroy(): Promise<void>;
}

const PREFIX = "p2c";
/** Names of everything we create start with this; group 1 is the creating pid in base 36. */
const OWNED = /^p2c([0-9a-z]{5})[0-9a-z]/;
const SUBNET_BASE = "198.18";
const BRIDGE_HOST = 254;
const STOP_GRACE_MS = 2000;
const OUTPUT_LIMIT = 200 * 1024;
const NETNS_DIR = "/run/netns";

// ---------------------------------------------------------------------------------------------
// Paths

function findRepoRoot(): string {
  // Compiled to <repo>/dist/test/lan/netns.js; walk up to the package.json rather than count levels.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();

/** CI clones the repo with shared/ beside it; P2PCHAT_REFPEER overrides. */
export function refpeerPath(): string {
  return process.env.P2PCHAT_REFPEER ?? path.resolve(repoRoot, "../shared/reference-peer/refpeer.py");
}

let python: string | undefined;
function pythonExecutable(): string {
  // Resolve shims (pyenv) once: spawning through them costs ~100 ms per peer.
  if (python === undefined) {
    try {
      python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      python = "";
    }
    if (!python) python = "python3";
  }
  return python;
}

function lockDir(): string {
  const dir = fs.existsSync("/run") ? "/run/p2pchat-lan" : path.join(os.tmpdir(), "p2pchat-lan");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

function ownerPid(name: string): number | undefined {
  const match = OWNED.exec(name);
  return match ? parseInt(match[1]!, 36) : undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Pids of all processes inside the given namespaces (what `ip netns pids` does, without a fork). */
function pidsInNamespaces(namespaces: Iterable<string>): number[] {
  const inodes = new Set<number>();
  for (const ns of namespaces) {
    try {
      inodes.add(fs.statSync(path.join(NETNS_DIR, ns)).ino);
    } catch {
      // not (or no longer) there
    }
  }
  if (inodes.size === 0) return [];
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = fs.readlinkSync(`/proc/${entry}/ns/net`);
      const inode = /\[(\d+)\]/.exec(link)?.[1];
      if (inode !== undefined && inodes.has(Number(inode))) found.push(Number(entry));
    } catch {
      // exited meanwhile, or a zombie
    }
  }
  return found;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Helper commands (ip, ss) still running: at exit they must die before we delete, or an
 *  in-flight `ip -batch` would recreate links after the cleanup removed them. */
const helpers = new Set<ChildProcess>();

function killHelpersSync(): void {
  const pids = [...helpers].map((c) => c.pid).filter((pid): pid is number => pid !== undefined);
  for (const pid of pids) signal(pid, "SIGKILL");
  const deadline = Date.now() + 500;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some(running) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 2);
}


/** Runs a command (optionally feeding stdin) and rejects with its stderr if it fails. */
function run(command: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(command, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    helpers.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (error) => {
      helpers.delete(child);
      reject(error);
    });
    child.on("close", (code, sig) => {
      helpers.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const what = [command, ...args].join(" ");
        const fed = input ? `\n--- stdin ---\n${input}` : "";
        reject(new Error(`${what} failed (${sig ?? `exit ${code}`}): ${stderr.trim() || stdout.trim()}${fed}`));
      }
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined); // EPIPE if the command dies early: its exit code tells
      child.stdin.end(input);
    }
  });
}

/** `ip [-n ns] -batch -`: many ip commands for the price of one fork. */
function ipBatch(lines: string[], opts: { ns?: string; force?: boolean } = {}): Promise<RunResult> {
  const args = [...(opts.ns ? ["-n", opts.ns] : []), ...(opts.force ? ["-force"] : []), "-batch", "-"];
  return run("ip", args, lines.join("\n") + "\n");
}

function ipBatchSync(lines: string[]): void {
  if (lines.length === 0) return;
  try {
    execFileSync("ip", ["-force", "-batch", "-"], { input: lines.join("\n") + "\n", stdio: ["pipe", "ignore", "ignore"] });
  } catch {
    // -force runs every line; failures are things already gone
  }
}

// ---------------------------------------------------------------------------------------------
// Ids, subnets, stale leftovers

let counter = 0;
function nextId(): string {
  // pid fits 5 base-36 digits (pid_max <= 2^22); the longest name, "<id>v<N>", stays <= 15 chars.
  return PREFIX + process.pid.toString(36).padStart(5, "0") + (counter++).toString(36);
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** IPv4 prefixes (address/len) the root namespace has as addresses or routes. */
function prefixesInUse(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let text = "";
  for (const args of [["-4", "-o", "addr", "show"], ["-4", "route", "show", "table", "all"]]) {
    try {
      text += execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }) + "\n";
    } catch {
      // best effort: the lock files still keep our own runs apart
    }
  }
  for (const match of text.matchAll(/(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?:\/(\d{1,2}))?(?![\d.])/g)) {
    out.push([ipToInt(match[1]!), match[2] === undefined ? 32 : Number(match[2])]);
  }
  return out;
}

function overlaps(a: number, alen: number, b: number, blen: number): boolean {
  const len = Math.min(alen, blen);
  if (len === 0) return false; // a default route does not "use" a subnet
  const mask = len === 32 ? 0xffffffff : ~(0xffffffff >>> len);
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/** Claims a free 198.18.X.0/24 with an exclusive lock file that names the LAN. */
function claimSubnet(id: string): { third: number; lockFile: string } {
  const dir = lockDir();
  const used = prefixesInUse();
  const start = (process.pid * 31 + counter * 7) % 254;
  for (let i = 0; i < 254; i++) {
    const third = ((start + i) % 254) + 1; // 1..254
    const net = ipToInt(`${SUBNET_BASE}.${third}.0`);
    if (used.some(([addr, len]) => overlaps(net, 24, addr, len))) continue;
    const lockFile = path.join(dir, `${SUBNET_BASE}.${third}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lockFile, id, { flag: "wx" });
        return { third, lockFile };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        let owner: number | undefined;
        try {
          owner = ownerPid(fs.readFileSync(lockFile, "utf8").trim());
        } catch {
          continue; // removed meanwhile: try again
        }
        if (owner !== undefined && running(owner)) break;
        fs.rmSync(lockFile, { force: true });
      }
    }
  }
  throw new Error(`no free ${SUBNET_BASE}.X.0/24 subnet for a test LAN (all in use or locked in ${dir})`);
}

/** Removes namespaces, links, processes and subnet locks left by test processes that died. */
function removeStale(): void {
  const dead = (name: string): boolean => {
    const pid = ownerPid(name);
    return pid !== undefined && pid !== process.pid && !running(pid);
  };
  let namespaces: string[] = [];
  let links: string[] = [];
  try {
    namespaces = fs.readdirSync(NETNS_DIR).filter(dead);
  } catch {
    // no namespaces at all
  }
  try {
    links = fs.readdirSync("/sys/class/net").filter(dead);
  } catch {
    // no sysfs: nothing we can see
  }
  for (const pid of pidsInNamespaces(namespaces)) signal(pid, "SIGKILL");
  ipBatchSync([
    ...links.filter((l) => !l.endsWith("br")).map((l) => `link del ${l}`),
    ...links.filter((l) => l.endsWith("br")).map((l) => `link del ${l}`),
    ...namespaces.map((ns) => `netns del ${ns}`),
  ]);
  try {
    const dir = lockDir();
    for (const file of fs.readdirSync(dir)) {
      const lockFile = path.join(dir, file);
      try {
        if (dead(fs.readFileSync(lockFile, "utf8").trim())) fs.rmSync(lockFile, { force: true });
      } catch {
        // raced with its owner
      }
    }
  } catch {
    // no lock dir
  }
}

// ---------------------------------------------------------------------------------------------
// Availability

let availability: { ok: boolean; why?: string } | undefined;

/** Whether this machine can run LAN tests: Linux, root, and `ip netns` + bridge + veth work.
 *  The answer is probed once per process (creates and deletes a throwaway namespace). */
export function lanAvailable(): { ok: boolean; why?: string } {
  availability ??= probeAvailability();
  return availability;
}

function probeAvailability(): { ok: boolean; why?: string } {
  if (process.platform !== "linux") return { ok: false, why: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, why: "needs root (LAN tests make network namespaces, bridges and veths)" };
  const ns = `${nextId()}-probe`;
  try {
    execFileSync("ip", ["netns", "add", ns], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("ip", ["-n", ns, "-batch", "-"], {
      input: "link add b0 type bridge\nlink add v0 type veth peer name v1\nlink set lo up\n",
      stdio: ["pipe", "ignore", "pipe"],
    });
    return { ok: true };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, why: `cannot create network namespaces/bridges/veths: ${stderr || (error as Error).message}` };
  } finally {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // was never created
    }
  }
}

/**
 * For the top of a LAN test: returns true if the LAN can be used. Otherwise skips the test, except
 * on CI (process.env.CI set), where a missing LAN must fail loudly instead of passing as skipped.
 */
export function requireLan(t: TestContext): boolean {
  const { ok, why } = lanAvailable();
  if (ok) return true;
  if (process.env.CI) throw new Error(`LAN tests cannot run on this CI machine: ${why}`);
  t.skip(why);
  return false;
}

/**
 * For the top of a test that runs the reference peer: true if refpeer.py is there. A clone without
 * ../shared (it is not in this repository) skips these tests saying so; CI fails instead.
 */
export function requireRefpeer(t: TestContext): boolean {
  const script = refpeerPath();
  if (fs.existsSync(script)) return true;
  const why = `needs the reference peer at ${script} (shared/ cloned beside the repo, or P2PCHAT_REFPEER)`;
  if (process.env.CI) throw new Error(`reference-peer tests cannot run on this CI machine: ${why}`);
  t.skip(why);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Processes

class ManagedProcess implements LanProcess {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  done = false;
  private text = "";
  private fd: number | undefined;

  constructor(
    readonly name: string,
    readonly host: LanHost,
    readonly logFile: string,
    child: ChildProcess,
    commandLine: string,
  ) {
    this.fd = fs.openSync(logFile, "a");
    this.append(`# ${new Date().toISOString()} ${commandLine}\n`);
    this.pid = child.pid ?? -1;
    // setEncoding: a UTF-8 character split between two reads is still decoded whole.
    child.stdout?.setEncoding("utf8").on("data", (d: string) => this.append(d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => this.append(d));
    this.exited = new Promise((resolve) => {
      child.on("error", (error) => {
        this.append(`# spawn failed: ${error.message}\n`);
        this.finish();
        resolve({ code: null, signal: null });
      });
      child.on("exit", (code, sig) => {
        this.done = true;
        this.append(`# ${new Date().toISOString()} exited: ${sig ?? `code ${code}`}\n`);
        resolve({ code, signal: sig });
      });
      // Output may still be in the pipes at 'exit'; close the log once they are drained.
      child.on("close", () => this.finish());
    });
  }

  private append(text: string): void {
    if (this.fd !== undefined) {
      try {
        fs.writeSync(this.fd, text);
      } catch {
        // disk full or closed: the in-memory copy still works
      }
    }
    this.text += text;
    if (this.text.length > 2 * OUTPUT_LIMIT) this.text = this.text.slice(-OUTPUT_LIMIT);
  }

  private finish(): void {
    this.done = true;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
  }

  output(): string {
    return this.text.length > OUTPUT_LIMIT ? this.text.slice(-OUTPUT_LIMIT) : this.text;
  }

  kill(sig: NodeJS.Signals = "SIGTERM"): void {
    if (!this.done && this.pid > 0) signal(this.pid, sig);
  }
}

// ---------------------------------------------------------------------------------------------
// The LAN

/** LANs not yet destroyed in this process: what the exit/signal handlers clean up. */
const live = new Set<LanImpl>();

class LanImpl implements Lan {
  readonly hosts: LanHost[] = [];
  readonly broadcast: string;
  readonly bridgeAddress: string;
  readonly bridge: string;
  readonly artifactsDir: string;
  private readonly processes: ManagedProcess[] = [];
  private readonly names = new Set<string>();
  /** Namespaces and veths possibly created (also half-created ones), for teardown. */
  private readonly namespaces: string[] = [];
  private readonly veths: string[] = [];
  private nextHost = 1;
  private destroying: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly third: number,
    private readonly lockFile: string,
  ) {
    this.broadcast = `${SUBNET_BASE}.${third}.255`;
    this.bridgeAddress = `${SUBNET_BASE}.${third}.${BRIDGE_HOST}`;
    this.bridge = `${id}br`;
    this.artifactsDir = path.join(repoRoot, "test-artifacts", "lan", id);
  }

  async createBridge(): Promise<void> {
    const br = this.bridge;
    // No STP and no forwarding delay: a port forwards the moment it is up.
    await ipBatch([
      `link add ${br} type bridge forward_delay 0 stp_state 0`,
      `link set ${br} addrgenmode none`,
      `addr add ${this.bridgeAddress}/32 dev ${br}`,
      `link set ${br} up`,
      `route add ${SUBNET_BASE}.${this.third}.0/24 dev ${br} src ${this.bridgeAddress}`,
    ]);
  }

  async addHosts(names: Array<string | undefined>): Promise<LanHost[]> {
    this.assertUsable();
    const hosts = names.map((name) => {
      const n = this.nextHost++;
      if (n >= BRIDGE_HOST) throw new Error(`a test LAN holds at most ${BRIDGE_HOST - 1} hosts`);
      const host: LanHost = {
        name: name ?? `h${n}`,
        ns: `${this.id}-h${n}`,
        address: `${SUBNET_BASE}.${this.third}.${n}`,
        veth: `${this.id}v${n}`,
      };
      this.namespaces.push(host.ns);
      this.veths.push(host.veth);
      return host;
    });
    // addrgenmode none: no IPv6 link-local address, so no DAD, router solicitations or MLD noise.
    await ipBatch(
      hosts.flatMap((h) => [
        `netns add ${h.ns}`,
        `link add ${h.veth} type veth peer name eth0 netns ${h.ns}`,
        `link set ${h.veth} addrgenmode none master ${this.bridge} up`,
      ]),
    );
    await Promise.all(
      hosts.map((h) =>
        ipBatch(
          [
            "link set lo up",
            "link set eth0 addrgenmode none",
            `addr add ${h.address}/24 brd ${this.broadcast} dev eth0`,
            "link set eth0 up",
          ],
          { ns: h.ns },
        ),
      ),
    );
    this.hosts.push(...hosts);
    return hosts;
  }

  async addHost(name?: string): Promise<LanHost> {
    const [host] = await this.addHosts([name]);
    return host!;
  }

  private assertUsable(): void {
    if (this.destroying) throw new Error(`LAN ${this.id} has been destroyed`);
  }

  private assertHost(host: LanHost): void {
    if (!this.hosts.includes(host)) throw new Error(`${host.name} (${host.ns}) is not a host of LAN ${this.id}`);
  }

  private uniqueName(wanted: string): string {
    const base = wanted.replace(/[^A-Za-z0-9._-]/g, "_") || "process";
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}-${i}`;
    this.names.add(name);
    return name;
  }

  spawn(host: LanHost, command: string, args: string[], opts: SpawnOptions = {}): LanProcess {
    this.assertUsable();
    this.assertHost(host);
    const name = this.uniqueName(opts.name ?? `${host.name}-${path.basename(command)}`);
    fs.mkdirSync(this.artifactsDir, { recursive: true });
    const logFile = path.join(this.artifactsDir, `${name}.log`);
    // detached: false keeps the child in our process group, so a terminal Ctrl-C reaches it too.
    // `ip netns exec` execs the command: the child's pid is the command's.
    const child = spawnChild("ip", ["netns", "exec", host.ns, command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
      detached: false,
    });
    const proc = new ManagedProcess(name, host, logFile, child, `[${host.ns} ${host.address}] ${[command, ...args].join(" ")}`);
    this.processes.push(proc);
    return proc;
  }

  spawnRefpeer(host: LanHost, opts: { peerId: string; quirks?: string[]; interval?: number; name?: string }): LanProcess {
    const script = refpeerPath();
    if (!fs.existsSync(script)) throw new Error(`reference peer not found at ${script} (expected shared/ beside the repo)`);
    const quirks = (opts.quirks ?? []).map((q) => (q.startsWith("-") ? q : `--${q}`));
    const args = ["-u", script, "--peer-id", opts.peerId, "--broadcast", this.broadcast, "--http-bind", host.address];
    if (opts.interval !== undefined) args.push("--interval", String(opts.interval));
    return this.spawn(host, pythonExecutable(), [...args, ...quirks], {
      name: opts.name ?? `${host.name}-refpeer-${opts.peerId}`,
    });
  }

  spawnP2pchat(host: LanHost, opts: { peerId: string; args?: string[]; name?: string; env?: NodeJS.ProcessEnv; cwd?: string; broadcast?: false }): LanProcess {
    const main = path.join(repoRoot, "dist", "src", "cli", "main.js");
    const args = [
      "--enable-source-maps",
      main,
      "--peer-id",
      opts.peerId,
      ...(opts.broadcast === false ? [] : ["--broadcast", this.broadcast]),
      "--http-bind",
      host.address,
      ...(opts.args ?? []),
    ];
    return this.spawn(host, process.execPath, args, {
      name: opts.name ?? `${host.name}-p2pchat-${opts.peerId}`,
      env: opts.env,
      cwd: opts.cwd ?? this.artifactsDir,
    });
  }

  http(host: LanHost, urlPath: string, init: HttpInit = {}): Promise<HttpResponse> {
    this.assertHost(host);
    const timeoutMs = init.timeoutMs ?? 5000;
    const port = init.port ?? HTTP_PORT;
    const what = `${init.method ?? "GET"} http://${host.address}:${port}${urlPath} (${host.name})`;
    return new Promise((resolve, reject) => {
      // agent: false: one connection per request, nothing pooled that outlives the LAN.
      const req = http.request(
        {
          host: host.address,
          port,
          path: urlPath,
          method: init.method ?? "GET",
          headers: init.headers,
          agent: false,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (error) => reject(new Error(`${what}: ${error.message}`)));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON: hand back the text
            }
            resolve({ status: res.statusCode ?? 0, body, text, headers: res.headers });
          });
        },
      );
      req.on("error", (error) => {
        const why = error.name === "AbortError" ? `no complete answer within ${timeoutMs} ms` : error.message;
        reject(new Error(`${what}: ${why}`));
      });
      req.end(init.body);
    });
  }

  async tcpConnections(host: LanHost): Promise<{ inbound: string[]; outbound: string[] }> {
    this.assertHost(host);
    const { stdout } = await run("ip", ["netns", "exec", host.ns, "ss", "-Htn", "state", "established"]);
    const inbound: string[] = [];
    const outbound: string[] = [];
    for (const line of stdout.split("\n")) {
      // With a state filter ss prints: Recv-Q Send-Q Local:Port Peer:Port
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const local = splitEndpoint(fields[2]!);
      const remote = splitEndpoint(fields[3]!);
      if (local.port === PEER_PORT) inbound.push(remote.address);
      else if (remote.port === PEER_PORT) outbound.push(remote.address);
    }
    return { inbound: inbound.sort(), outbound: outbound.sort() };
  }

  async setLink(host: LanHost, up: boolean, device = "eth0"): Promise<void> {
    this.assertUsable();
    this.assertHost(host);
    await ipBatch([`link set ${device} ${up ? "up" : "down"}`], { ns: host.ns });
  }

  get subnet(): string {
    return `${SUBNET_BASE}.${this.third}.0/24`;
  }

  /** The next free host number, for a host another LAN adds to this one. */
  claimHostNumber(): number {
    this.assertUsable();
    const n = this.nextHost++;
    if (n >= BRIDGE_HOST) throw new Error(`a test LAN holds at most ${BRIDGE_HOST - 1} hosts`);
    return n;
  }

  async addJoinedHost(other: Lan, opts: { name: string; forward: boolean }): Promise<LanHost & { otherAddress: string }> {
    if (!(other instanceof LanImpl) || other === this) throw new Error("addJoinedHost: the other LAN must be another LAN of this harness");
    const n = this.claimHostNumber();
    const m = other.claimHostNumber();
    const host = {
      name: opts.name,
      ns: `${this.id}-h${n}`,
      address: `${SUBNET_BASE}.${this.third}.${n}`,
      veth: `${this.id}v${n}`,
      otherAddress: `${SUBNET_BASE}.${other.third}.${m}`,
    };
    const otherVeth = `${this.id}w${n}`;
    // Recorded before they exist, so a half-made host is removed too; both veths are this LAN's.
    this.namespaces.push(host.ns);
    this.veths.push(host.veth, otherVeth);
    await ipBatch([
      `netns add ${host.ns}`,
      `link add ${host.veth} type veth peer name eth0 netns ${host.ns}`,
      `link set ${host.veth} addrgenmode none master ${this.bridge} up`,
      `link add ${otherVeth} type veth peer name eth1 netns ${host.ns}`,
      `link set ${otherVeth} addrgenmode none master ${other.bridge} up`,
    ]);
    await ipBatch([
      "link set lo up",
      "link set eth0 addrgenmode none",
      "link set eth1 addrgenmode none",
      `addr add ${host.address}/24 brd ${this.broadcast} dev eth0`,
      `addr add ${host.otherAddress}/24 brd ${other.broadcast} dev eth1`,
      "link set eth0 up",
      "link set eth1 up",
    ], { ns: host.ns });
    // A new namespace starts with forwarding off: only a router gets it.
    if (opts.forward) await run("ip", ["netns", "exec", host.ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    this.hosts.push(host);
    return host;
  }

  async route(hosts: readonly LanHost[], subnet: string, gateway: string): Promise<void> {
    this.assertUsable();
    await Promise.all(hosts.map((h) => {
      this.assertHost(h);
      return ipBatch([`route add ${subnet} via ${gateway} dev eth0`], { ns: h.ns });
    }));
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    try {
      // Everything inside the namespaces, not just what spawn() started: grandchildren and
      // processes a test started with its own `ip netns exec` go too.
      const remaining = () => {
        const pids = new Set(pidsInNamespaces(this.namespaces));
        for (const p of this.processes) if (!p.done && p.pid > 0) pids.add(p.pid);
        return [...pids];
      };
      const stopAll = async (sig: NodeJS.Signals, withinMs: number): Promise<boolean> => {
        let pids = remaining();
        for (const pid of pids) signal(pid, sig);
        const deadline = Date.now() + withinMs;
        while (pids.length > 0 && Date.now() < deadline) {
          await delay(20);
          pids = remaining();
        }
        return pids.length === 0;
      };
      if (!(await stopAll("SIGTERM", STOP_GRACE_MS))) await stopAll("SIGKILL", STOP_GRACE_MS);
      // Let 'exit' handlers run so `exited` has resolved for every process when destroy() returns.
      await Promise.race([Promise.all(this.processes.map((p) => p.exited)), delay(1000, undefined, { ref: false })]);
      await ipBatch(this.deleteCommands(), { force: true }).catch(() => undefined);
    } finally {
      this.release();
    }
  }

  private deleteCommands(): string[] {
    // Deleting one end of a veth deletes both; the bridge goes last, then the namespace names.
    return [
      ...this.veths.map((v) => `link del ${v}`),
      `link del ${this.bridge}`,
      ...this.namespaces.map((ns) => `netns del ${ns}`),
    ];
  }

  private release(): void {
    fs.rmSync(this.lockFile, { force: true });
    live.delete(this);
  }

  /** From 'exit' and signal handlers: no waiting possible, so SIGKILL and delete right away. */
  destroySync(): void {
    this.destroying ??= Promise.resolve();
    for (const p of this.processes) if (!p.done) signal(p.pid, "SIGKILL");
    for (const pid of pidsInNamespaces(this.namespaces)) signal(pid, "SIGKILL");
    ipBatchSync(this.deleteCommands());
    this.release();
  }
}

function splitEndpoint(endpoint: string): { address: string; port: number } {
  const colon = endpoint.lastIndexOf(":");
  let address = endpoint.slice(0, colon).replace(/^\[|\]$/g, "");
  address = address.replace(/^::ffff:/i, "").replace(/%.*$/, "");
  return { address, port: Number(endpoint.slice(colon + 1)) };
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanAll = () => {
    if (live.size === 0) return;
    killHelpersSync();
    for (const lan of [...live]) lan.destroySync();
  };
  onAnyExit(cleanAll);
  startLanReaper();
}

function startLanReaper(): void {
  if (process.env.P2PCHAT_LAN_REAPER === "0") return; // lets the harness test the fallback
  startReaper(import.meta.url);
}

await reapIfAsked(import.meta.url, removeStale);

/** Creates a LAN of `hosts` namespaces (198.18.X.1 .. .N) on a fresh bridge. */
export async function createLan(opts: { hosts: number }): Promise<Lan> {
  const { ok, why } = lanAvailable();
  if (!ok) throw new Error(`cannot create a test LAN: ${why}`);
  installExitHandlers();
  removeStale();
  const id = nextId();
  const { third, lockFile } = claimSubnet(id);
  const lan = new LanImpl(id, third, lockFile);
  live.add(lan); // before anything exists, so an interrupted creation is cleaned up too
  try {
    await lan.createBridge();
    await lan.addHosts(Array.from({ length: opts.hosts }, () => undefined));
  } catch (error) {
    await lan.destroy();
    throw error;
  }
  return lan;
}

/** Two LANs with a host joining them (docs/getting-started.md "Across networks"), for the multi-site tests. */
export interface Sites {
  a: Lan;
  b: Lan;
  /** The host with an interface on each LAN (a router, or a dual-homed host); a host of LAN a. */
  joint: LanHost & { otherAddress: string };
}

/**
 * Two LANs of `hosts` each, joined by a router (ip_forward=1, every other host routed through
 * it; broadcast does not cross) or by a dual-homed host (no forwarding, no routes: the LANs are
 * joined only by what the host's programs do). Runs `fn` and removes everything afterwards,
 * whether `fn` succeeds or throws.
 */
export async function withSites<T>(
  opts: { hosts: number; joint: "router" | "dual-homed" },
  fn: (sites: Sites) => Promise<T>,
): Promise<T> {
  const a = await createLan({ hosts: opts.hosts });
  let b: Lan | undefined;
  try {
    b = await createLan({ hosts: opts.hosts });
    const router = opts.joint === "router";
    const joint = await a.addJoinedHost(b, { name: router ? "router" : "dual", forward: router });
    if (router) {
      await a.route(a.hosts.filter((h) => h !== joint), b.subnet, joint.address);
      await b.route(b.hosts, a.subnet, joint.otherAddress);
    }
    return await fn({ a, b, joint });
  } finally {
    // a holds the joint host and both its veths, so it goes first; then b's bridge.
    await a.destroy();
    await b?.destroy();
  }
}

/** Runs `fn` on a fresh LAN and destroys the LAN afterwards, whether `fn` succeeds or throws. */
export async function withLan<T>(opts: { hosts: number }, fn: (lan: Lan) => Promise<T>): Promise<T> {
  const lan = await createLan(opts);
  try {
    return await fn(lan);
  } finally {
    await lan.destroy();
  }
}
