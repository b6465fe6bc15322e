/**
 * createChatNode()'s options, checked and merged once over the daemon's defaults (docs/architecture.md habit
 * 10). Library users may call from plain JavaScript, so every option is checked at run time too:
 * a wrong type is a TypeError, a value out of range a RangeError, each naming the option and what
 * it expects, thrown by createChatNode() before any socket is opened.
 */
import { accessSync, constants as fsConstants } from "node:fs";
import { isIP, isIPv4 } from "node:net";
import os from "node:os";
import path from "node:path";
import type { SystemFacts } from "../config/defaults.js";
import { defaultConfig } from "../config/load.js";
import type { Config } from "../config/types.js";
import { ipv4List, parseHostPort } from "../config/values.js";
import type { ChatLogger, ChatNodeOptions } from "./types.js";

/** What the node is built from: the full Config plus what ChatNode takes beside it. */
export interface ResolvedOptions {
  config: Config;
  bindAddress: string;
  http: boolean;
  logger: ChatLogger | undefined;
}

const KNOWN = ["peerId", "broadcastAddress", "port", "bindAddress", "http", "peers", "historyFile", "logger"] as const;
const HTTP_KNOWN = ["port", "bind"] as const;
const LOGGER_METHODS = ["error", "warn", "info", "debug"] as const;
/** The same rule as [NETWORK_INFO] peer_id in config.ini (docs/protocol.md "Identity": non-empty). */
const PEER_ID_MAX = 256;

export function resolveOptions(options: ChatNodeOptions = {}, system: SystemFacts = os): ResolvedOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`createChatNode: options must be an object, got ${describe(options)}`);
  }
  checkKnownKeys("options", options, KNOWN);

  // The peer_id first, in this API's words: the table's default for it is the host name, which
  // the table would refuse in its own words (a config file's) if it is unusable.
  const peerId = options.peerId ?? system.hostname();
  checkPeerId(peerId, options.peerId === undefined);
  const config = defaultConfig({ hostname: () => peerId, networkInterfaces: () => system.networkInterfaces() });
  // Nothing here reaches the user's log unless they pass a logger; their level decides.
  config.log.level = "debug";

  if (options.port !== undefined) config.port = integer("options.port", options.port, 1, 65_535);

  if (options.broadcastAddress !== undefined) {
    const list = typeof options.broadcastAddress === "string" && options.broadcastAddress.trim() !== ""
      ? ipv4List().read(options.broadcastAddress) : undefined;
    if (list === undefined) {
      throw invalid("options.broadcastAddress", options.broadcastAddress, "a dotted IPv4 address such as 192.168.1.255");
    }
    config.broadcastAddress = list;
  }

  const bindAddress = options.bindAddress ?? "0.0.0.0";
  if (typeof bindAddress !== "string" || !isIPv4(bindAddress)) {
    throw invalid("options.bindAddress", bindAddress, "a dotted IPv4 address such as 0.0.0.0");
  }

  const http = options.http ?? false;
  if (http !== false) {
    if (typeof http !== "object" || http === null || Array.isArray(http)) {
      throw new TypeError(`options.http: expected false or an object { port?, bind? }, got ${describe(http)}`);
    }
    checkKnownKeys("options.http", http, HTTP_KNOWN);
    if (http.port !== undefined) config.http.port = integer("options.http.port", http.port, 0, 65_535);
    if (http.bind !== undefined) {
      if (typeof http.bind !== "string" || isIP(http.bind) === 0) {
        throw invalid("options.http.bind", http.bind, "an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::");
      }
      config.http.bind = http.bind;
    }
  }

  // Static peers ([PEERS] static): greeted by unicast and dialled like any peer found by broadcast.
  if (options.peers !== undefined) {
    if (!Array.isArray(options.peers) || !options.peers.every((p) => typeof p === "string")) {
      throw new TypeError(`options.peers: expected an array of "HOST[:PORT]" strings, got ${describe(options.peers)}`);
    }
    const bad = options.peers.find((p) => parseHostPort(p.trim()) === undefined);
    if (bad !== undefined) throw invalid("options.peers", bad, "HOST[:PORT], HOST an IPv4 address or a host name");
    config.peers.static = options.peers.map((p) => p.trim());
  }

  if (options.historyFile !== undefined) config.history.file = historyFile(options.historyFile);

  if (options.logger !== undefined) checkLogger(options.logger);

  return { config, bindAddress, http: http !== false, logger: options.logger };
}

function checkKnownKeys(where: string, object: object, known: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (known: ${known.join(", ")})`);
    }
  }
}

function checkPeerId(peerId: unknown, fromHostName: boolean): void {
  const name = fromHostName ? "options.peerId (default: the host name)" : "options.peerId";
  if (typeof peerId !== "string") throw invalid(name, peerId, "a string");
  if (peerId.trim() === "" || peerId.length > PEER_ID_MAX || /\p{Cc}/u.test(peerId)) {
    // Control characters would garble logs and other peers' screens.
    throw invalid(name, peerId, `a non-empty name of at most ${PEER_ID_MAX} characters without control characters`);
  }
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") throw invalid(name, value, `an integer from ${min} to ${max}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Absolute, and its directory known to take the file: the first message would be too late to say. */
function historyFile(file: unknown): string {
  if (typeof file !== "string") throw invalid("options.historyFile", file, "a file path");
  if (file === "" || file.endsWith("/") || /\p{Cc}/u.test(file)) {
    throw invalid("options.historyFile", file, "a file path (leave the option out for memory only)");
  }
  const resolved = path.resolve(file);
  try {
    accessSync(path.dirname(resolved), fsConstants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw invalid("options.historyFile", file, `a file in an existing, writable directory (${reason})`);
  }
  return resolved;
}

function checkLogger(logger: unknown): asserts logger is ChatLogger {
  const missing = typeof logger === "object" && logger !== null
    ? LOGGER_METHODS.filter((m) => typeof (logger as Record<string, unknown>)[m] !== "function")
    : LOGGER_METHODS;
  if (missing.length > 0) {
    throw new TypeError(`options.logger: expected an object with methods ${LOGGER_METHODS.join(", ")} ` +
      `(console works), got ${describe(logger)} without ${missing.join(", ")}`);
  }
}

/** A wrong type is a TypeError, a value of the right type out of range a RangeError. */
function invalid(name: string, value: unknown, expected: string): TypeError | RangeError {
  const message = `${name}: expected ${expected}, got ${describe(value)}`;
  const rightType = expected.startsWith("an integer") ? typeof value === "number" : typeof value === "string";
  return rightType ? new RangeError(message) : new TypeError(message);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
