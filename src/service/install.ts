/**
 * Installs and removes the systemd service "chat" (deploy/chat.service): the app in /opt/p2pchat,
 * the system user it runs as, its config in /etc/p2pchat, the unit, and systemd's view of it.
 * Every step looks at what is there first, so running it again converges instead of failing, and
 * the config a user wrote is never overwritten or removed.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync, chownSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync,
} from "node:fs";
import path from "node:path";
import { copyApp, isDirectory, packageVersion } from "./app-files.js";

/** Where things go. The unit file names the same paths; a test keeps the two in step. */
export const LAYOUT = {
  unit: "chat",
  user: "p2pchat",
  appDir: "/opt/p2pchat",
  configDir: "/etc/p2pchat",
  configFile: "/etc/p2pchat/config.ini",
  unitFile: "/etc/systemd/system/chat.service",
  sysusersFile: "/etc/sysusers.d/p2pchat.conf",
} as const;

/** The node the committed unit names; the installer writes the one it runs with instead. */
export const UNIT_NODE = "/usr/bin/node";

/** Directories the unit's sandbox hides from the service (ProtectHome=, PrivateTmp=). */
const HIDDEN_FROM_SERVICE = ["/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"];

export class InstallError extends Error {
  override readonly name = "InstallError";

  /** 1, or sysexits.h EX_NOPERM (77) for "run me as root". */
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const EX_NOPERM = 77;

export interface InstallOptions {
  /** The built checkout to install from. */
  source: string;
  /** Absolute path of the node binary the service runs with. */
  node: string;
  /** Install and enable, but leave the service stopped (to edit the config first). */
  start: boolean;
  say(line: string): void;
}

/** deploy/chat.service with `node` in ExecStart. */
export function renderUnit(template: string, node: string): string {
  const execStart = `ExecStart=${UNIT_NODE} `;
  if (!template.includes(execStart)) throw new InstallError(`the unit template has no "${execStart}..." line`);
  return template.replace(execStart, `ExecStart=${node} `);
}

/** The config written on first install: the reference with every key commented out, so defaults apply. */
export function defaultConfig(example: string): string {
  return [
    `; ${LAYOUT.configFile}: the settings of the chat service (p2pchat), written by`,
    "; `p2pchat install-service` because there was none. Reinstalling and uninstalling keep it.",
    ";",
    "; Uncomment and change what you need, then apply it:",
    `;   sudo systemctl reload ${LAYOUT.unit}    (most keys; the journal says which need a restart)`,
    `;   sudo systemctl restart ${LAYOUT.unit}   (all keys)`,
    "; A mistake stops the service with one line in `journalctl -u chat` naming the key.",
    "; Everything below is the reference: every key, its default and what it means.",
    ";",
    "",
    example,
  ].join("\n");
}

export function install(options: InstallOptions): void {
  const { source, node, say } = options;
  preflight();
  checkNode(node);
  if (existsSync(LAYOUT.appDir) && realpathSync(source) === realpathSync(LAYOUT.appDir)) {
    throw new InstallError(`run install-service from a built checkout, not from the installed ${LAYOUT.appDir}`);
  }
  const template = readFileSync(path.join(source, "deploy", "chat.service"), "utf8");
  const unit = renderUnit(template, node);

  // The user first: the config file is given to its group.
  const existed = lookup("passwd", LAYOUT.user) !== undefined;
  writeFileAtomic(LAYOUT.sysusersFile, `u ${LAYOUT.user} - "p2pchat chat daemon (${LAYOUT.unit}.service)"\n`, 0o644);
  run("systemd-sysusers", [LAYOUT.sysusersFile]);
  const gid = lookup("group", LAYOUT.user);
  if (gid === undefined) throw new InstallError(`systemd-sysusers did not create the group ${LAYOUT.user}`);
  say(`system user ${LAYOUT.user}: ${existed ? "exists" : "created"}`);

  const { packages } = replaceApp(source);
  say(`app: ${LAYOUT.appDir} (p2pchat ${packageVersion(LAYOUT.appDir)}, ${packages} production packages), run by ${node}`);

  mkdirSync(LAYOUT.configDir, { recursive: true, mode: 0o755 });
  if (existsSync(LAYOUT.configFile)) {
    say(`config: ${LAYOUT.configFile} exists, kept as it is`);
  } else {
    const example = readFileSync(path.join(source, "config", "config.example.ini"), "utf8");
    // Root writes it, the service only reads it: 0640 root:p2pchat.
    writeFileAtomic(LAYOUT.configFile, defaultConfig(example), 0o640, gid);
    say(`config: ${LAYOUT.configFile} written (every key commented out: the defaults apply)`);
  }

  writeFileAtomic(LAYOUT.unitFile, unit, 0o644);
  run("systemctl", ["daemon-reload"]);
  run("systemctl", ["enable", `${LAYOUT.unit}.service`]);
  say(`unit: ${LAYOUT.unitFile}, enabled (starts at boot)`);
  if (!options.start) {
    say(`not started (--no-start): sudo systemctl start ${LAYOUT.unit}`);
    return;
  }
  // restart, not start: a reinstall must replace the running old version. With Type=notify this
  // returns once the peer listens, or fails if it cannot start.
  const started = run("systemctl", ["restart", `${LAYOUT.unit}.service`], { mayFail: true });
  if (started.status !== 0) {
    const journal = run("journalctl", ["-u", `${LAYOUT.unit}.service`, "-n", "5", "--no-pager", "-o", "cat"], { mayFail: true });
    throw new InstallError(`${LAYOUT.unit}.service did not start. Its last log lines:\n${journal.stdout.trimEnd()}`);
  }
  say(`${LAYOUT.unit}.service: started; its log: journalctl -fu ${LAYOUT.unit}`);
}

export function uninstall(options: { say(line: string): void }): void {
  const { say } = options;
  preflight();
  if (existsSync(LAYOUT.unitFile)) {
    // Stops it too; "not loaded" is not an error on the way out.
    run("systemctl", ["disable", "--now", `${LAYOUT.unit}.service`], { mayFail: true });
    rmSync(LAYOUT.unitFile, { force: true });
    run("systemctl", ["daemon-reload"]);
    say(`${LAYOUT.unit}.service: stopped, disabled, ${LAYOUT.unitFile} removed`);
  } else {
    say(`${LAYOUT.unit}.service: not installed`);
  }
  // Forget a failed state, so `systemctl status chat` does not show a ghost.
  run("systemctl", ["reset-failed", `${LAYOUT.unit}.service`], { mayFail: true });
  if (existsSync(LAYOUT.appDir)) {
    rmSync(LAYOUT.appDir, { recursive: true, force: true });
    say(`app: ${LAYOUT.appDir} removed`);
  }
  // The user's settings survive, and so do the user and group they belong to.
  if (existsSync(LAYOUT.configFile)) say(`kept: ${LAYOUT.configFile} (remove it with: sudo rm -r ${LAYOUT.configDir})`);
  if (lookup("passwd", LAYOUT.user) !== undefined) {
    say(`kept: system user ${LAYOUT.user} (remove it with: sudo userdel ${LAYOUT.user}; sudo rm ${LAYOUT.sysusersFile})`);
  }
}

function preflight(): void {
  if (process.getuid?.() !== 0) {
    throw new InstallError("must run as root: sudo node dist/src/cli/main.js install-service", EX_NOPERM);
  }
  // sd_booted(3): systemd is the init system exactly when this directory exists.
  if (!isDirectory("/run/systemd/system")) throw new InstallError("systemd is not running on this machine");
}

function checkNode(node: string): void {
  const hidden = HIDDEN_FROM_SERVICE.find((dir) => node.startsWith(dir));
  if (hidden) {
    throw new InstallError(`node is ${node}, under ${hidden}, which the service's sandbox hides ` +
      "(ProtectHome=, PrivateTmp=): install Node.js for the whole system (e.g. /usr/bin/node) and run the installer with it");
  }
}

/** Builds the new app beside the old one, then swaps, so a failed copy leaves the old one whole. */
function replaceApp(source: string): { packages: number } {
  const next = `${LAYOUT.appDir}.new`;
  const previous = `${LAYOUT.appDir}.old`;
  rmSync(next, { recursive: true, force: true });
  rmSync(previous, { recursive: true, force: true });
  let result;
  try {
    result = copyApp(source, next);
  } catch (err) {
    rmSync(next, { recursive: true, force: true });
    throw new InstallError((err as Error).message);
  }
  if (existsSync(LAYOUT.appDir)) renameSync(LAYOUT.appDir, previous);
  renameSync(next, LAYOUT.appDir);
  rmSync(previous, { recursive: true, force: true });
  return result;
}

function writeFileAtomic(file: string, text: string, mode: number, gid?: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode); // writeFileSync's mode is filtered by the umask
  if (gid !== undefined) chownSync(temporary, 0, gid);
  renameSync(temporary, file);
}

/** The uid or gid of a name in passwd or group (getent also sees NSS sources, not just /etc). */
function lookup(database: "passwd" | "group", name: string): number | undefined {
  const result = run("getent", [database, name], { mayFail: true });
  if (result.status !== 0) return undefined;
  const id = Number(result.stdout.split(":")[2]);
  return Number.isInteger(id) ? id : undefined;
}

function run(command: string, args: string[], options: { mayFail?: boolean } = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.error) throw new InstallError(`cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0 && !options.mayFail) {
    const why = (result.stderr || result.stdout).trim() || `exit status ${result.status}`;
    throw new InstallError(`${command} ${args.join(" ")} failed: ${why}`);
  }
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}
