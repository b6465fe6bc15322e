/**
 * Builds the Config a peer runs with: defaults, then config.ini, then command-line flags, each
 * value read by its setting in the table (settings.ts). Any mistake becomes one ConfigError line
 * naming where the value came from, the key, the value and what was expected; the caller exits
 * EX_CONFIG.
 */
import os from "node:os";
import path from "node:path";
import type { SystemFacts } from "./defaults.js";
import { ConfigError, refuse, type Given } from "./errors.js";
import { DEFAULT_FILE, FLAG_SETTINGS, parseFlags } from "./flags.js";
import { readConfigFile, settingsInFile } from "./ini-file.js";
import { COMMAND_LINE_ORDER, ORDER_RULES, SETTINGS, settingAt, type Setting } from "./settings.js";
import type { Config } from "./types.js";

export { EX_CONFIG, EX_PORT_IN_USE, EX_USAGE, ConfigError, UsageError } from "./errors.js";
export { DAEMON_FLAGS_HELP } from "./flags.js";
export type { SystemFacts } from "./defaults.js";

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file read, or null when running on defaults. */
  file: string | null;
  /** What was chosen for the user rather than given by them, for one startup log line. */
  chosen: string[];
}

export function loadConfig(
  argv: string[],
  options: { cwd?: string; system?: SystemFacts } = {},
): LoadedConfig {
  const flags = parseFlags(argv);
  const cwd = options.cwd ?? process.cwd();
  const system = options.system ?? os;
  const chosen: string[] = [];

  const fileName = flags.config ?? DEFAULT_FILE;
  const filePath = path.resolve(cwd, fileName);
  const text = readConfigFile(filePath, fileName, flags.config !== undefined);
  const given = text === null ? new Map<Setting, Given>() : settingsInFile(text, fileName);

  for (const setting of FLAG_SETTINGS) {
    const value = flags.values.get(setting.flag.name);
    if (value !== undefined) given.set(setting, { origin: "command line", name: `--${setting.flag.name}`, value });
  }
  for (const setting of COMMAND_LINE_ORDER) {
    if (typeof setting.default === "string" || given.has(setting)) continue;
    const { text: value, origin, note } = setting.default.choose(system);
    given.set(setting, { origin, name: setting.name, value });
    chosen.push(note);
  }
  if (text === null) chosen.push(`no config file at ${fileName}: using defaults`);

  const config = readSettings(given);
  checkOrder(config, given);
  for (const setting of SETTINGS) {
    const refusal = setting.settle(config, { cwd });
    if (refusal) throw refuse(givenOrDefault(setting, given), refusal.expected);
  }
  checkBridge(config, given);
  return { config, file: text === null ? null : filePath, chosen };
}

/**
 * The whole Config of a peer that is told nothing: every setting's default from the table, the
 * machine's where the table says so (host name, interface broadcast). The library starts here.
 */
export function defaultConfig(system: SystemFacts = os): Config {
  const given = new Map<Setting, Given>();
  for (const setting of SETTINGS) {
    if (typeof setting.default === "string") continue;
    const { text: value, origin } = setting.default.choose(system);
    given.set(setting, { origin, name: setting.name, value });
  }
  return readSettings(given);
}

/** Reads every setting, given or default, in table order: the first that does not fit is reported. */
function readSettings(given: ReadonlyMap<Setting, Given>): Config {
  // Each setting stores its own field, and there is one setting per field of Config (a test
  // compares the result with a whole Config), so the empty groups are filled before it returns.
  const config = { http: {}, discovery: {}, peers: {}, history: {}, tcp: {}, log: {}, bridge: {} } as Config;
  for (const setting of SETTINGS) {
    const value = givenOrDefault(setting, given);
    if (!setting.store(config, value.value)) throw refuse(value, setting.expected);
  }
  return config;
}

/**
 * The rules between two keys. The error names the larger key, unless only the smaller one was
 * written by the user: blaming a key they never wrote would send them looking for it.
 */
function checkOrder(config: Config, given: ReadonlyMap<Setting, Given>): void {
  for (const rule of ORDER_RULES) {
    const { low, high } = rule;
    if (Number(low.written(config)) <= Number(high.written(config))) continue;
    if (!given.has(high) && given.has(low)) {
      throw refuse(givenOrDefault(low, given), `at most ${bound(high, config)}`);
    }
    throw refuse(givenOrDefault(high, given), `at least ${bound(low, config)}`);
  }
}

/**
 * A bridge (on when [BRIDGE] listen or peers is set) needs the room key: without it anyone who
 * finds the port could join the room. The error names key_file where the bridge was turned on.
 */
function checkBridge(config: Config, given: ReadonlyMap<Setting, Given>): void {
  const { listen, peers, keyFile: file } = config.bridge;
  if (file !== "" || (listen.length === 0 && peers.length === 0)) return;
  const on = listen.length > 0 ? settingAt("BRIDGE", "listen") : settingAt("BRIDGE", "peers");
  const turnedOn = givenOrDefault(on, given);
  const keyFile = settingAt("BRIDGE", "key_file");
  const name = turnedOn.name.startsWith("--") ? `--${keyFile.flag?.name}` : keyFile.name;
  throw refuse(given.get(keyFile) ?? { origin: turnedOn.origin, name, value: "" },
    `${keyFile.expected}: the bridge is on (${turnedOn.name} is set), and only hosts with the same key may join the room`);
}

/** `[TCP] retry_min (2 s)`: the other key of a rule, and its value as the file writes it. */
function bound(setting: Setting, config: Config): string {
  return `${setting.name} (${setting.written(config)}${setting.unit === "seconds" ? " s" : ""})`;
}

function givenOrDefault(setting: Setting, given: ReadonlyMap<Setting, Given>): Given {
  const value = given.get(setting);
  if (value) return value;
  // A machine default is always in `given`; only a text default can be missing from it.
  const text = typeof setting.default === "string" ? setting.default : "";
  return { origin: "default", name: setting.name, value: text };
}

