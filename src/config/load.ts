/**
 * Builds the Config a peer runs with: defaults, then config.ini, then command-line flags, all
 * checked by one schema (schema.ts). Any mistake becomes one ConfigError line naming where the
 * value came from, the key, the value and what was expected; the caller exits EX_CONFIG.
 */
import { accessSync, constants as fsConstants, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getSystemErrorMap, parseArgs } from "node:util";
import { parse as parseIni } from "ini";
import type { z } from "zod";
import { defaultBroadcast, type SystemFacts } from "./defaults.js";
import { ConfigError, UsageError } from "./errors.js";
import { configSchema, expectedOf, KNOWN_KEYS, orderIssueParams, type RawSettings } from "./schema.js";
import type { Config } from "./types.js";

export { EX_CONFIG, EX_USAGE, ConfigError, UsageError } from "./errors.js";
export type { SystemFacts } from "./defaults.js";

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file read, or null when running on defaults. */
  file: string | null;
  /** What was chosen for the user rather than given by them, for one startup log line. */
  chosen: string[];
}

const DEFAULT_FILE = "config/config.ini";
const COMMAND_LINE = "command line";

/** Flags that override one key of the file; the value goes through that key's checks. */
const FLAG_KEYS = {
  "peer-id": ["NETWORK_INFO", "peer_id"],
  broadcast: ["NETWORK_INFO", "broadcast_address"],
  port: ["NETWORK_INFO", "port"],
  "http-port": ["HTTP", "port"],
  "http-bind": ["HTTP", "bind"],
  "log-level": ["LOG", "level"],
  "history-file": ["HISTORY", "file"],
} as const;

const FLAG_OPTIONS = {
  config: { type: "string" },
  "peer-id": { type: "string" },
  broadcast: { type: "string" },
  port: { type: "string" },
  "http-port": { type: "string" },
  "http-bind": { type: "string" },
  "log-level": { type: "string" },
  "history-file": { type: "string" },
} as const;

export const DAEMON_FLAGS_HELP = [
  `  --config PATH       config file (default: ${DEFAULT_FILE}; see config/config.example.ini)`,
  "  --peer-id ID        our name on the LAN (default: the host name)",
  "  --broadcast ADDR    where discovery hellos go (default: the LAN interface's broadcast address)",
  "  --port N            UDP discovery and TCP port (default: 9876)",
  "  --http-port N       HTTP API port (default: 8000)",
  "  --http-bind ADDR    HTTP API address (default: 127.0.0.1)",
  "  --log-level LEVEL   error, warn, info or debug (default: info)",
  "  --history-file PATH keep the history in this file across restarts (default: memory only)",
  "  (--flag=value works as well as --flag value)",
].join("\n");

/** Where one text value came from, so an error can point the user at it. */
interface Given {
  origin: string; // the file as named, "command line", or "default (host name)"
  name: string; // `[section] key` as written, or `--flag`
  value: string;
}

/** Remembers each value as given, keyed by canonical `SECTION.key`. */
class Settings {
  readonly raw: RawSettings = Object.fromEntries([...KNOWN_KEYS.keys()].map((s) => [s, {}]));
  readonly given = new Map<string, Given>();

  set(section: string, key: string, given: Given): void {
    (this.raw[section] ??= {})[key] = given.value;
    this.given.set(`${section}.${key}`, given);
  }

  has(section: string, key: string): boolean {
    return this.given.has(`${section}.${key}`);
  }
}

export function loadConfig(
  argv: string[],
  options: { cwd?: string; system?: SystemFacts } = {},
): LoadedConfig {
  const flags = parseFlags(argv);
  const cwd = options.cwd ?? process.cwd();
  const system = options.system ?? os;
  const settings = new Settings();
  const chosen: string[] = [];

  const fileName = flags.config ?? DEFAULT_FILE;
  const filePath = path.resolve(cwd, fileName);
  const text = readConfigFile(filePath, fileName, flags.config !== undefined);
  if (text !== null) {
    // Notepad writes a BOM, and ini would then not see the first [SECTION] line as one.
    readSections(parseIni(text.replace(/^\uFEFF/, "")), fileName, settings);
  }

  for (const [flag, [section, key]] of Object.entries(FLAG_KEYS)) {
    const value = flags[flag as keyof typeof FLAG_KEYS];
    if (value !== undefined) settings.set(section, key, { origin: COMMAND_LINE, name: `--${flag}`, value });
  }

  if (!settings.has("NETWORK_INFO", "peer_id")) {
    const hostname = system.hostname();
    settings.set("NETWORK_INFO", "peer_id",
      { origin: "default (host name)", name: "[NETWORK_INFO] peer_id", value: hostname });
    chosen.push(`peer_id ${JSON.stringify(hostname)} (host name)`);
  }
  if (!settings.has("NETWORK_INFO", "broadcast_address")) {
    const { address, from } = defaultBroadcast(system);
    settings.set("NETWORK_INFO", "broadcast_address",
      { origin: "default", name: "[NETWORK_INFO] broadcast_address", value: address });
    chosen.push(`broadcast ${address} (${from === undefined ? "no LAN interface found" : `from ${from}`})`);
  }
  if (text === null) chosen.push(`no config file at ${fileName}: using defaults`);

  const result = configSchema.safeParse(settings.raw);
  if (!result.success) {
    // One line is what the user gets, so the first problem is the one reported.
    const issue = result.error.issues[0];
    throw issue ? toConfigError(issue, settings) : new ConfigError(fileName, "?", "", "valid settings");
  }
  const config = result.data;
  if (config.history.file !== "") config.history.file = checkHistoryFile(config.history.file, cwd, settings);
  return { config, file: text === null ? null : filePath, chosen };
}

/**
 * [HISTORY] file, made absolute (a reload then compares like with like), once its directory is
 * known to take it: finding out only at the first message would be too late to say which key.
 */
function checkHistoryFile(file: string, cwd: string, settings: Settings): string {
  const resolved = path.resolve(cwd, file);
  try {
    accessSync(path.dirname(resolved), fsConstants.W_OK);
    return resolved;
  } catch (err) {
    const given = settings.given.get("HISTORY.file") ?? { origin: "default", name: "[HISTORY] file", value: file };
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(given.origin, given.name, given.value, `a file in an existing, writable directory (${reason})`);
  }
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: FLAG_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw err;
    // Node's own wording is good, but some of it spans lines.
    let message = (err as Error).message.replace(/\s*\n\s*/g, " ");
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      message += ` (known: ${Object.keys(FLAG_OPTIONS).map((f) => `--${f}`).join(", ")})`;
    }
    throw new UsageError(message);
  }
}

/** The file's text; null if the default file is simply absent (then defaults apply). */
function readConfigFile(filePath: string, fileName: string, explicit: boolean): string | null {
  try {
    return readFileSync(filePath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === "ENOENT") return null;
    const expected = `a readable file (${osReason(err)})`;
    // Asked for by name: the flag is what is wrong. The default file exists but cannot be read:
    // the file is what is wrong, and silently running on defaults would hide that.
    throw explicit
      ? new ConfigError(COMMAND_LINE, "--config", fileName, expected)
      : new ConfigError(fileName, "file", filePath, expected);
  }
}

/** "ENOENT: no such file or directory", without the path Node appends to its message. */
function osReason(err: unknown): string {
  const { code, errno } = err as NodeJS.ErrnoException;
  const known = errno === undefined ? undefined : getSystemErrorMap().get(errno);
  if (known) return `${known[0]}: ${known[1]}`;
  return code ?? String(err);
}

const SECTION_LIST = [...KNOWN_KEYS.keys()].map((s) => `[${s}]`).join(", ");

/** Copies ini's output into settings, matching names case-insensitively and refusing unknown ones. */
function readSections(parsed: Record<string, unknown>, fileName: string, settings: Settings): void {
  for (const [sectionName, body] of Object.entries(parsed)) {
    if (!isIniSection(body)) {
      throw new ConfigError(fileName, sectionName, asText(body), `a [SECTION] line above it, one of ${SECTION_LIST}`);
    }
    const section = matchName(KNOWN_KEYS.keys(), sectionName);
    const keys = section === undefined ? undefined : KNOWN_KEYS.get(section);
    if (section === undefined || keys === undefined) {
      throw new ConfigError(fileName, "section", sectionName, `one of ${SECTION_LIST}`);
    }
    for (const [keyName, value] of Object.entries(body)) {
      // ini turns [HTTP.extra] into a section nested in [HTTP].
      if (isIniSection(value)) {
        throw new ConfigError(fileName, "section", `${sectionName}.${keyName}`, `one of ${SECTION_LIST}`);
      }
      const name = `[${sectionName}] ${keyName}`;
      const key = matchName(keys, keyName);
      if (key === undefined) {
        throw new ConfigError(fileName, name, asText(value), `one of the keys of [${section}]: ${keys.join(", ")}`);
      }
      if (typeof value === "object" && value !== null) {
        throw new ConfigError(fileName, name, asText(value), "a single value (`key[] =` makes a list)");
      }
      settings.set(section, key, { origin: fileName, name, value: asText(value) });
    }
  }
}

/** ini makes its sections with Object.create(null); parsed values ('{...}' in quotes) have a prototype. */
function isIniSection(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === null;
}

function matchName(known: Iterable<string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const candidate of known) if (candidate.toLowerCase() === wanted) return candidate;
  return undefined;
}

/** ini yields booleans for true/false, null, and JSON for quoted text; the schema sees text only. */
function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(asText).join(", ");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function toConfigError(issue: z.core.$ZodIssue, settings: Settings): ConfigError {
  const [section, key] = issue.path.map(String);
  if (section === undefined || key === undefined) {
    return new ConfigError("config", issue.path.join("."), "", "valid settings");
  }
  // Zod's own messages never reach the user: each setting has its "expected" text in the schema,
  // and only the pair-order check words its own.
  const order = orderIssueParams(issue);
  let expected = order?.expected ?? expectedOf(section, key);
  let blamed = [section, key] as const;
  // An order issue names the larger key; if the user only wrote the smaller one, point at that.
  if (order && !settings.has(section, key) && settings.has(order.instead.section, order.instead.key)) {
    blamed = [order.instead.section, order.instead.key];
    expected = order.instead.expected;
  }
  const [blamedSection, blamedKey] = blamed;
  const given = settings.given.get(`${blamedSection}.${blamedKey}`) ?? {
    origin: "default",
    name: `[${blamedSection}] ${blamedKey}`,
    value: settings.raw[blamedSection]?.[blamedKey] ?? "",
  };
  return new ConfigError(given.origin, given.name, given.value, expected);
}
