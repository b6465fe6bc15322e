// A real systemd to test the service under: a minimal Debian booted with `systemd-nspawn -b`.
//
// The machine running the tests needs no systemd of its own (CI machines and this one have none):
// nspawn runs with --register=no --keep-unit, in a cgroup this file makes for it and removes
// afterwards. Commands go into the container with `nsenter -t <its PID 1> -a ...`.
//
//   /var/cache/p2pchat-test/rootfs-<suite>-<recipe hash>/   debootstrap --variant=minbase, built once
//   /var/tmp/p2pchat-nspawn-<pid>-<n>/{upper,work,root}     a fresh overlay on it for each container
//   cgroup p2pchat-nspawn-<pid>-<n> (every mounted hierarchy) nspawn, the container and all in it
//
// Rules this file keeps:
// - The container has --private-network: only its own loopback. Nothing in it reaches any network.
// - The rootfs cache is built in a temporary directory and renamed when complete, so an interrupted
//   build is never used; each container gets its own overlay (or copy), so runs never change it.
// - Everything a run creates is named after the creating process; leftovers of a process that died
//   (even by SIGKILL: a detached reaper watches for that) are removed by the reaper or the next run.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { onAnyExit } from "../support/on-any-exit.js";
import { reapIfAsked, running, startReaper } from "../support/reaper.js";

export const CACHE_DIR = process.env.P2PCHAT_ROOTFS_CACHE ?? "/var/cache/p2pchat-test";
const RUNS_DIR = "/var/tmp";
const PREFIX = "p2pchat-nspawn-";
/** `p2pchat-nspawn-<pid>-<n>`: group 1 is the pid of the process that made it. */
const OWNED = /^p2pchat-nspawn-(\d+)-\d+$/;
const CGROUP_ROOT = "/sys/fs/cgroup";
/** What the rootfs holds beyond minbase; part of the cache key, so a change rebuilds it. */
const INCLUDE = ["systemd", "systemd-sysv", "dbus"];
/** Timers that would wake up during a test and try the network (apt) or the disks. */
const QUIET_UNITS = ["apt-daily.timer", "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
  "fstrim.timer", "e2scrub_reap.service"];
const RECIPE_VERSION = 1;
const CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ---------------------------------------------------------------------------------------------
// Availability

let availability: { ok: boolean; why?: string } | undefined;

/** Linux, root, systemd-nspawn, debootstrap, nsenter, a writable cgroup file system. Probed once. */
export function systemdContainerAvailable(): { ok: boolean; why?: string } {
  availability ??= probe();
  return availability;
}

function probe(): { ok: boolean; why?: string } {
  if (process.platform !== "linux") return { ok: false, why: `systemd-nspawn needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, why: "booting a container with systemd-nspawn needs root" };
  for (const [tool, pkg] of [["systemd-nspawn", "systemd-container"], ["debootstrap", "debootstrap"], ["nsenter", "util-linux"]]) {
    if (!onPath(tool!)) return { ok: false, why: `${tool} not found (Debian package ${pkg})` };
  }
  const name = `${PREFIX}${process.pid}-probe`;
  try {
    const dirs = cgroupDirs(name);
    for (const dir of dirs) fs.mkdirSync(dir);
    for (const dir of dirs.reverse()) fs.rmdirSync(dir);
  } catch (error) {
    return { ok: false, why: `cannot make a cgroup for the container: ${(error as Error).message}` };
  }
  return { ok: true };
}

function onPath(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/** At the top of a test: true if it can run; else skips it, except on CI, where it fails. */
export function requireSystemdContainer(t: TestContext): boolean {
  const { ok, why } = systemdContainerAvailable();
  if (ok) return true;
  if (process.env.CI) throw new Error(`the systemd container test cannot run on this CI machine: ${why}`);
  t.skip(why);
  return false;
}

// ---------------------------------------------------------------------------------------------
// The Debian root file system, built once per machine

/** The apt source of the host's own release: nspawn boots the same Debian the host runs. */
export function hostDebianSource(files: { osRelease: string; sources: Array<{ name: string; text: string }> }): {
  suite: string;
  mirror: string;
} {
  const suite = /^VERSION_CODENAME=("?)([a-z]+)\1$/m.exec(files.osRelease)?.[2];
  if (!suite) throw new Error("no VERSION_CODENAME in /etc/os-release: not a Debian release debootstrap knows");
  for (const { name, text } of files.sources) {
    for (const entry of name.endsWith(".sources") ? deb822Entries(text) : oneLineEntries(text)) {
      if (entry.types.includes("deb") && entry.suites.includes(suite) && entry.uris[0]) {
        return { suite, mirror: entry.uris[0] };
      }
    }
  }
  throw new Error(`no apt source for "${suite}" in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources`);
}

interface AptEntry {
  types: string[];
  uris: string[];
  suites: string[];
}

function deb822Entries(text: string): AptEntry[] {
  return text.replace(/^#.*(?:\n|$)/gm, "").split(/\n\s*\n/).flatMap((stanza) => {
    const field = (key: string) => new RegExp(`^${key}:[ \\t]*(.*)$`, "mi").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
    if (field("Enabled")[0]?.toLowerCase() === "no") return [];
    return [{ types: field("Types"), uris: field("URIs"), suites: field("Suites") }];
  });
}

function oneLineEntries(text: string): AptEntry[] {
  const entries: AptEntry[] = [];
  for (const raw of text.split("\n")) {
    // deb [ option=value ... ] uri suite component...
    const line = raw.replace(/#.*$/, "").replace(/\[[^\]]*\]/, " ").trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type && uri && suite) entries.push({ types: [type], uris: [uri], suites: [suite] });
  }
  return entries;
}

function readHostSources(): Array<{ name: string; text: string }> {
  const files: Array<{ name: string; text: string }> = [];
  const read = (file: string) => {
    try {
      files.push({ name: file, text: fs.readFileSync(file, "utf8") });
    } catch {
      // absent
    }
  };
  read("/etc/apt/sources.list");
  try {
    for (const name of fs.readdirSync("/etc/apt/sources.list.d").sort()) {
      if (name.endsWith(".sources") || name.endsWith(".list")) read(path.join("/etc/apt/sources.list.d", name));
    }
  } catch {
    // no directory
  }
  return files;
}

export interface Rootfs {
  path: string;
  /** Built by this call (cold) rather than found in the cache (warm). */
  built: boolean;
  ms: number;
}

/**
 * The cached minimal Debian with systemd, built on first use. A build goes to a temporary
 * directory that is renamed into place only when complete.
 */
export async function ensureRootfs(logFile: string): Promise<Rootfs> {
  installExitHandlers(); // an interrupted build is removed too
  const started = Date.now();
  const { suite, mirror } = hostDebianSource({
    osRelease: fs.readFileSync("/etc/os-release", "utf8"),
    sources: readHostSources(),
  });
  const recipe = JSON.stringify({ RECIPE_VERSION, suite, INCLUDE, QUIET_UNITS });
  const key = createHash("sha256").update(recipe).digest("hex").slice(0, 12);
  const target = path.join(CACHE_DIR, `rootfs-${suite}-${key}`);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  removeStaleBuilds();
  if (fs.existsSync(path.join(target, "usr", "lib", "systemd", "systemd"))) {
    return { path: target, built: false, ms: Date.now() - started };
  }
  const build = path.join(CACHE_DIR, `build-${process.pid}-${Date.now()}`);
  liveBuilds.add(build);
  try {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const args = ["--variant=minbase", `--include=${INCLUDE.join(",")}`, suite, build, mirror];
    const result = await runCommand("debootstrap", args, { mayFail: true, timeoutMs: 15 * 60_000 });
    fs.writeFileSync(logFile, `# debootstrap ${args.join(" ")}\n${result.stdout}${result.stderr}`);
    if (result.status !== 0) {
      throw new Error(`debootstrap ${suite} from ${mirror} failed (exit ${result.status}; log: ${logFile}): ` +
        (result.stderr.trim().split("\n").pop() ?? ""));
    }
    // Our own name, not the build machine's; no background jobs that would try the network.
    fs.writeFileSync(path.join(build, "etc", "hostname"), "chatbox\n");
    for (const unit of QUIET_UNITS) {
      const link = path.join(build, "etc", "systemd", "system", unit);
      fs.rmSync(link, { force: true });
      fs.symlinkSync("/dev/null", link);
    }
    try {
      fs.renameSync(build, target);
    } catch (error) {
      // Another run finished the same rootfs first: use theirs.
      if (!fs.existsSync(target)) throw error;
    }
  } finally {
    removeTree(build);
    liveBuilds.delete(build);
  }
  return { path: target, built: true, ms: Date.now() - started };
}

/** Half-built rootfs directories of processes that are gone. */
function removeStaleBuilds(): void {
  for (const name of safeReaddir(CACHE_DIR)) {
    const owner = /^build-(\d+)-\d+$/.exec(name)?.[1];
    if (owner !== undefined && !running(Number(owner))) removeTree(path.join(CACHE_DIR, name));
  }
}

const liveBuilds = new Set<string>();

/**
 * The shared libraries `binary` loads (as ldd lists them on the host) that `rootfs` lacks: bind
 * these read-only next to the binary. Node from NodeSource needs only libc and libstdc++, which
 * minbase has; Debian's own nodejs package would bring libnode, libuv, ICU and OpenSSL here.
 */
export function librariesMissingIn(rootfs: string, binary: string): string[] {
  const ldd = spawnSync("ldd", [binary], { encoding: "utf8" });
  if (ldd.status !== 0) return []; // static, or not ELF: nothing to bring
  const libraries = [...ldd.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  return libraries.filter((library) => !fs.existsSync(path.join(rootfs, library)));
}

// ---------------------------------------------------------------------------------------------
// Containers

export interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve with a non-zero status instead of rejecting. */
  mayFail?: boolean;
}

export interface Container {
  readonly name: string;
  /** The container's root directory as the host sees it: files written here are seen inside. */
  readonly root: string;
  /** Host PID of the container's PID 1 (systemd). */
  readonly leader: number;
  /** Runs a command inside the container (every namespace, a clean environment). */
  exec(command: string, args?: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs a host program in the container's network namespace only (its file system stays the host's). */
  execInNetwork(command: string, args?: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a host program in the container's network namespace and leaves it running. */
  spawnInNetwork(command: string, args: string[]): ChildProcess;
  /** What systemd printed on the console while booting and shutting down. */
  consoleOutput(): string;
  /** Powers the container off (SIGKILL if it takes too long) and removes everything it used. */
  destroy(): Promise<void>;
}

export interface BootOptions {
  rootfs: string;
  /** Host paths bind-mounted read-only into the container, at `at` (default: the same path). */
  binds?: Array<{ host: string; at?: string }>;
  /** Give up waiting for `systemctl is-system-running` after this long. */
  bootTimeoutMs?: number;
}

let counter = 0;

/** Boots a fresh container on an overlay of `rootfs`; resolves once systemd has finished booting. */
export async function bootContainer(options: BootOptions): Promise<Container> {
  installExitHandlers();
  removeStale();
  const name = `${PREFIX}${process.pid}-${++counter}`;
  const run = new Run(name);
  live.add(run);
  try {
    run.prepareRoot(options.rootfs);
    run.makeCgroups();
    const binds = (options.binds ?? []).flatMap(({ host, at }) => [`--bind-ro=${host}:${at ?? host}`]);
    run.start([
      "--quiet", "--boot", `--directory=${run.root}`, `--machine=${name.replace(PREFIX, "p2c-")}`,
      // No systemd on the host to register with or to make a scope for us: our own cgroup instead.
      "--register=no", "--keep-unit",
      "--private-network", "--link-journal=no", "--resolv-conf=off", "--timezone=off", "--settings=no",
      "--console=read-only",
      ...binds,
    ]);
    await run.waitForBoot(options.bootTimeoutMs ?? 60_000);
    return run;
  } catch (error) {
    await run.destroy();
    throw error;
  }
}

/** Which cgroup directories a run gets: one per hierarchy systemd uses (v2, or v1 name=systemd + v2). */
function cgroupDirs(name: string): string[] {
  if (fs.existsSync(path.join(CGROUP_ROOT, "cgroup.controllers"))) return [path.join(CGROUP_ROOT, name)];
  const dirs = [path.join(CGROUP_ROOT, "systemd", name)];
  if (fs.existsSync(path.join(CGROUP_ROOT, "unified", "cgroup.procs"))) dirs.push(path.join(CGROUP_ROOT, "unified", name));
  return dirs;
}

/** Runs that are not destroyed yet: what the exit and signal handlers clean up. */
const live = new Set<Run>();

class Run implements Container {
  readonly runDir: string;
  readonly root: string;
  readonly cgroups: string[];
  leader = 0;
  private nspawn: ChildProcess | undefined;
  private output = "";
  private exited: Promise<void> = Promise.resolve();
  private destroying: Promise<void> | undefined;

  constructor(readonly name: string) {
    this.runDir = path.join(RUNS_DIR, name);
    this.root = path.join(this.runDir, "root");
    this.cgroups = cgroupDirs(name);
  }

  /** An overlay on the cached rootfs (instant); a full copy where overlayfs is not available. */
  prepareRoot(rootfs: string): void {
    for (const dir of ["upper", "work", "root"]) fs.mkdirSync(path.join(this.runDir, dir), { recursive: true });
    const mount = spawnSync("mount", ["-t", "overlay", "overlay", "-o",
      `lowerdir=${rootfs},upperdir=${this.runDir}/upper,workdir=${this.runDir}/work`, this.root], { encoding: "utf8" });
    if (mount.status !== 0) execFileSync("cp", ["-a", "--reflink=auto", `${rootfs}/.`, this.root]);
  }

  makeCgroups(): void {
    for (const dir of this.cgroups) fs.mkdirSync(dir);
  }

  start(args: string[]): void {
    // The shell moves itself into our cgroups, then becomes nspawn: nothing runs outside them.
    const child = spawn("sh", ["-c", 'for g in $P2PCHAT_CGROUPS; do echo $$ > "$g/cgroup.procs" || exit 97; done; exec "$@"',
      "sh", "systemd-nspawn", ...args], {
      env: { PATH: CLEAN_PATH, P2PCHAT_CGROUPS: this.cgroups.join(" ") },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.nspawn = child;
    const collect = (chunk: string) => {
      this.output += chunk;
      if (this.output.length > 400_000) this.output = this.output.slice(-200_000);
    };
    child.stdout?.setEncoding("utf8").on("data", collect);
    child.stderr?.setEncoding("utf8").on("data", collect);
    this.exited = new Promise((resolve) => child.on("exit", () => resolve()));
  }

  async waitForBoot(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.leader === 0) {
      if (this.nspawn?.exitCode !== null) throw new Error(`systemd-nspawn exited (${this.nspawn?.exitCode}):\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`the container's PID 1 did not appear:\n${this.output}`);
      this.leader = this.findLeader();
      if (this.leader === 0) await delay(20);
    }
    // systemctl answers only once PID 1 has set up its socket; then --wait waits for the boot to end.
    let last = "";
    while (Date.now() < deadline) {
      const state = await this.exec("systemctl", ["is-system-running", "--wait"], {
        mayFail: true, timeoutMs: Math.max(1000, deadline - Date.now()),
      });
      last = (state.stdout + state.stderr).trim();
      if (last === "running" || last === "degraded") return;
      await delay(50);
    }
    throw new Error(`the container did not finish booting within ${timeoutMs} ms (last: ${last}):\n${this.output}`);
  }

  /** The process in our cgroups that is PID 1 in its own PID namespace. */
  private findLeader(): number {
    for (const pid of pidsIn(this.cgroups[0]!)) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
        if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === "1") return pid;
      } catch {
        // gone meanwhile
      }
    }
    return 0;
  }

  exec(command: string, args: string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    return runCommand("nsenter", ["-t", String(this.leader), "-a", "--", command, ...args], options);
  }

  execInNetwork(command: string, args: string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    return runCommand("nsenter", ["-t", String(this.leader), "-n", "--", command, ...args], options);
  }

  spawnInNetwork(command: string, args: string[]): ChildProcess {
    const child = spawn("nsenter", ["-t", String(this.leader), "-n", "--", command, ...args], {
      env: { PATH: CLEAN_PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.helpers.add(child);
    child.on("exit", () => this.helpers.delete(child));
    return child;
  }

  private readonly helpers = new Set<ChildProcess>();

  consoleOutput(): string {
    return this.output;
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    try {
      for (const helper of this.helpers) helper.kill("SIGKILL");
      const nspawn = this.nspawn;
      if (nspawn && nspawn.exitCode === null && nspawn.signalCode === null) {
        // nspawn turns SIGTERM into an orderly shutdown of the container's systemd.
        nspawn.kill("SIGTERM");
        await Promise.race([this.exited, delay(10_000, undefined, { ref: false })]);
      }
      await killCgroups(this.cgroups);
      await Promise.race([this.exited, delay(2_000, undefined, { ref: false })]);
    } finally {
      this.removeSync();
      live.delete(this);
    }
  }

  /** For exit and signal handlers, which cannot wait for anything: SIGKILL, unmount, delete. */
  destroySync(): void {
    this.destroying ??= Promise.resolve();
    for (const helper of this.helpers) helper.kill("SIGKILL");
    killCgroupsSync(this.cgroups);
    this.removeSync();
    live.delete(this);
  }

  private removeSync(): void {
    removeTree(this.runDir);
    for (const dir of this.cgroups) removeCgroup(dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function runCommand(command: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: CLEAN_PATH, LANG: "C.UTF-8", SYSTEMD_COLORS: "0" },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const status = code ?? 128;
      if (status === 0 || options.mayFail) resolve({ status, stdout, stderr });
      else {
        reject(new Error(`${[command, ...args].join(" ")} failed (${signal ?? `exit ${code}`}):\n${stderr.trim() || stdout.trim()}`));
      }
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input);
  });
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every pid in a cgroup and its descendants. */
function pidsIn(cgroup: string): number[] {
  const pids: number[] = [];
  const walk = (dir: string) => {
    try {
      for (const line of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n")) {
        if (line) pids.push(Number(line));
      }
    } catch {
      return; // removed meanwhile
    }
    for (const entry of safeReaddir(dir)) {
      const sub = path.join(dir, entry);
      try {
        if (fs.statSync(sub).isDirectory()) walk(sub);
      } catch {
        // removed meanwhile
      }
    }
  };
  walk(cgroup);
  return pids;
}

function signalAll(cgroups: string[]): number {
  const pids = new Set(cgroups.flatMap(pidsIn));
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  return pids.size;
}

/** SIGKILLs until no process is left in the cgroups (forks racing the kill are caught next round). */
async function killCgroups(cgroups: string[]): Promise<void> {
  for (let round = 0; round < 100 && signalAll(cgroups) > 0; round++) await delay(20);
}

function killCgroupsSync(cgroups: string[]): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let round = 0; round < 100 && signalAll(cgroups) > 0; round++) Atomics.wait(pause, 0, 0, 20);
}

/** Removes a cgroup and the ones systemd made inside it, deepest first. */
function removeCgroup(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of safeReaddir(dir)) {
    const sub = path.join(dir, entry);
    try {
      if (fs.statSync(sub).isDirectory()) removeCgroup(sub);
    } catch {
      // removed meanwhile
    }
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // a process still dying in it: the next run's removeStale() gets it
  }
}

function mountPoints(): string[] {
  try {
    // Field 5 of mountinfo is the mount point, with spaces and such escaped as octal.
    return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")
      .map((line) => line.split(" ")[4])
      .filter((point): point is string => point !== undefined)
      .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  } catch {
    return [];
  }
}

/**
 * Deletes a directory tree that may have file systems mounted in it (the overlay root of a
 * container; the /proc and /sys debootstrap mounts in a build): unmounts them first, deepest
 * first, and never deletes through a mount that would not go away.
 */
function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const inside = () => mountPoints().filter((point) => point === dir || point.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const point of inside()) {
    if (spawnSync("umount", [point]).status !== 0) spawnSync("umount", ["-l", point]);
  }
  if (inside().length > 0) return; // still mounted: leave it for the next run rather than delete through it
  fs.rmSync(dir, { recursive: true, force: true });
}


/** Containers, overlays and cgroups left by test processes that died. */
export function removeStale(): void {
  const dead = (name: string) => {
    const owner = OWNED.exec(name)?.[1];
    return owner !== undefined && Number(owner) !== process.pid && !running(Number(owner));
  };
  const cgroupParents = cgroupDirs("x").map((dir) => path.dirname(dir));
  const staleCgroups = cgroupParents.flatMap((parent) => safeReaddir(parent).filter(dead).map((n) => path.join(parent, n)));
  killCgroupsSync(staleCgroups);
  for (const name of safeReaddir(RUNS_DIR).filter(dead)) removeTree(path.join(RUNS_DIR, name));
  for (const dir of staleCgroups) removeCgroup(dir);
  removeStaleBuilds();
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanAll = () => {
    for (const run of [...live]) run.destroySync();
    for (const build of liveBuilds) removeTree(build);
  };
  onAnyExit(cleanAll);
  startReaper(import.meta.url);
}

await reapIfAsked(import.meta.url, removeStale);
