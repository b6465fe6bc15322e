/**
 * The kinds of value a setting takes: how its text is read, the words an error uses for what
 * would have been accepted, and how a value is written back the way config.ini has it.
 */
import { isIP, isIPv4 } from "node:net";
import path from "node:path";
import { accessSync, constants as fsConstants } from "node:fs";
import { LOG_LEVELS, type LogLevel } from "./types.js";

/** What reading a value may need to know beyond its text. */
export interface ReadContext {
  /** The directory relative paths are resolved against. */
  cwd: string;
}

/** A value that does not fit, with what would have (when it is more than the kind's `expected`). */
export class Refusal {
  constructor(readonly expected: string) {}
}

export interface ValueKind<T> {
  /**
   * The value the text stands for, or undefined if it does not fit. The text is as given:
   * surrounding spaces are the kind's to trim.
   */
  read(text: string): T | undefined;
  /** "an integer from 1 to 65535": the end of the error line `... = "99999": expected ...`. */
  expected: string;
  /** The value as config.ini writes it (durations in seconds), for the reload log and the docs. */
  written(value: T): string | number;
  /** Written in seconds, kept in milliseconds. */
  unit?: "seconds";
  /**
   * Checks against the machine, after every value has been read and the cross-key rules hold;
   * may also complete the value (make a path absolute).
   */
  settle?(value: T, context: ReadContext): T | Refusal;
}

// The number syntax is deliberately narrow: no sign, exponent, hex or "Infinity", which Number()
// would happily accept.
const INTEGER = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
/** C0 and C1 control characters: they would garble logs and other peers' screens. */
const CONTROL = /\p{Cc}/u;

export function integer(min: number, max: number): ValueKind<number> {
  return {
    read(text) {
      const trimmed = text.trim();
      if (!INTEGER.test(trimmed)) return undefined;
      const value = Number(trimmed);
      return value >= min && value <= max ? value : undefined;
    },
    expected: `an integer from ${min} to ${max}`,
    written: (value) => value,
  };
}

// Durations are written in seconds (0.5 is fine) and used in milliseconds. The bounds only keep
// out typos: 0 would spin a timer, and more than a day is surely a unit mistake.
const SECONDS_MIN = 0.01;
const SECONDS_MAX = 86_400;

export function seconds(): ValueKind<number> {
  return {
    read(text) {
      const trimmed = text.trim();
      if (!DECIMAL.test(trimmed)) return undefined;
      const value = Number(trimmed);
      return value >= SECONDS_MIN && value <= SECONDS_MAX ? Math.round(value * 1000) : undefined;
    },
    expected: `a number of seconds from ${SECONDS_MIN} to ${SECONDS_MAX}`,
    written: (ms) => ms / 1000,
    unit: "seconds",
  };
}

export function port(): ValueKind<number> {
  return integer(1, 65_535);
}

function text(expected: string, accepts: (trimmed: string) => boolean): ValueKind<string> {
  return {
    read(given) {
      const trimmed = given.trim();
      return accepts(trimmed) ? trimmed : undefined;
    },
    expected,
    written: (value) => value,
  };
}

export function ipv4Address(): ValueKind<string> {
  return text("a dotted IPv4 address such as 192.168.1.255", (s) => isIPv4(s));
}

/**
 * One IPv4 address or several separated by commas, or "" (an empty list), kept as written but
 * with the spaces taken out: "198.18.1.255, 198.18.2.255" reads as "198.18.1.255,198.18.2.255".
 */
export function ipv4List(): ValueKind<string> {
  return {
    read(given) {
      const items = splitList(given);
      return items.every((item) => isIPv4(item)) ? items.join(",") : undefined;
    },
    expected: "a dotted IPv4 address such as 192.168.1.255, several separated by commas, or nothing",
    written: (value) => value,
  };
}

/** A host name, as DNS allows it: letters, digits, hyphens, dots. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** `HOST[:PORT]` with HOST an IPv4 address or a host name; undefined if it is neither. */
export function parseHostPort(text: string): { host: string; port: number | undefined } | undefined {
  const match = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const host = match[1]!;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  if (!isIPv4(host) && !HOST_NAME.test(host)) return undefined;
  return { host, port };
}

/** A comma-separated list of `HOST[:PORT]` (an empty text is an empty list). */
export function hostPortList(): ValueKind<string[]> {
  return {
    read(given) {
      const items = splitList(given);
      return items.every((item) => parseHostPort(item) !== undefined) ? items : undefined;
    },
    expected: "HOST[:PORT] entries separated by commas (HOST an IPv4 address or a host name, PORT 1-65535), or nothing",
    written: (value) => value.join(", "),
  };
}

function splitList(given: string): string[] {
  const trimmed = given.trim();
  return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim());
}

export function ipAddress(): ValueKind<string> {
  return text("an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::", (s) => isIP(s) !== 0);
}

/** docs/protocol.md "Identity": a non-empty name. */
export function peerName(): ValueKind<string> {
  return text(
    "a non-empty name of at most 256 characters without control characters",
    (s) => s.length >= 1 && s.length <= 256 && !CONTROL.test(s),
  );
}

export function logLevel(): ValueKind<LogLevel> {
  return {
    read: (given) => LOG_LEVELS.find((level) => level === given.trim().toLowerCase()),
    expected: `one of ${LOG_LEVELS.join(", ")}`,
    written: (value) => value,
  };
}

/**
 * A file we write to, or "" for none. Made absolute (a reload then compares like with like) once
 * its directory is known to take it: finding out only at the first write would be too late to
 * say which key was wrong.
 */
export function writableFileOrNone(expected = "a file path (empty for memory only)"): ValueKind<string> {
  return {
    ...text(expected, (s) => s.length <= 4096 && !CONTROL.test(s) && !s.endsWith("/")),
    settle(value, { cwd }) {
      if (value === "") return value;
      const resolved = path.resolve(cwd, value);
      try {
        accessSync(path.dirname(resolved), fsConstants.W_OK);
        return resolved;
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        return new Refusal(`a file in an existing, writable directory (${reason})`);
      }
    },
  };
}

/** A libp2p peer id as text: base58btc (12D3KooW... for Ed25519 keys, Qm... for RSA). */
const LIBP2P_PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/;

/**
 * A TCP multiaddr, the only kind the bridge's transport speaks: /ip4/ADDR/tcp/PORT,
 * /ip6/ADDR/tcp/PORT or /dns4|dns6|dns/NAME/tcp/PORT, then optionally /p2p/<peer id>. Checked
 * here by hand so that loading a config never loads libp2p; the bridge parses it again at start.
 */
export function parseTcpMultiaddr(text: string, options: { portZero: boolean; peerId: boolean }): boolean {
  const parts = text.split("/");
  if (parts[0] !== "" || parts.length < 5) return false;
  const [, proto, host = "", tcp, portText = "", ...rest] = parts;
  const hostOk = proto === "ip4" ? isIPv4(host) : proto === "ip6" ? isIP(host) === 6
    : (proto === "dns4" || proto === "dns6" || proto === "dns") && HOST_NAME.test(host);
  if (!hostOk || tcp !== "tcp" || !/^\d{1,5}$/.test(portText)) return false;
  const portNumber = Number(portText);
  if (portNumber > 65_535 || (portNumber === 0 && !options.portZero)) return false;
  if (rest.length === 0) return true;
  return options.peerId && rest.length === 2 && rest[0] === "p2p" && LIBP2P_PEER_ID.test(rest[1] ?? "");
}

/** A comma-separated list of multiaddrs the bridge listens on (an empty text is an empty list). */
export function listenMultiaddrList(): ValueKind<string[]> {
  return {
    read(given) {
      const items = splitList(given);
      return items.every((item) => parseTcpMultiaddr(item, { portZero: true, peerId: false })) ? items : undefined;
    },
    expected: "multiaddrs such as /ip4/0.0.0.0/tcp/9877 separated by commas (/ip4, /ip6 or /dns4 with /tcp/PORT), or nothing",
    written: (value) => value.join(", "),
  };
}

/** A comma-separated list of other bridges' multiaddrs (an empty text is an empty list). */
export function peerMultiaddrList(): ValueKind<string[]> {
  return {
    read(given) {
      const items = splitList(given);
      return items.every((item) => parseTcpMultiaddr(item, { portZero: false, peerId: true })) ? items : undefined;
    },
    expected: "multiaddrs such as /ip4/198.18.0.7/tcp/9877 or /ip4/198.18.0.7/tcp/9877/p2p/12D3KooW... separated by commas, or nothing",
    written: (value) => value.join(", "),
  };
}

/** A room's name: it becomes the gossipsub topic, and appears in logs and /peers. */
export function roomName(): ValueKind<string> {
  return text(
    "a name of 1 to 64 letters, digits, dots, hyphens or underscores",
    (s) => /^[A-Za-z0-9._-]{1,64}$/.test(s),
  );
}

/**
 * A file we read, or "" for none: made absolute and checked once with `check` (which reads it and
 * says what is wrong), so that a bad file is the config error of its key, not a failure later.
 */
export function readableFileOrNone(expected: string, check: (path: string) => string | undefined): ValueKind<string> {
  return {
    ...text(expected, (s) => s.length <= 4096 && !CONTROL.test(s) && !s.endsWith("/")),
    settle(value, { cwd }) {
      if (value === "") return value;
      const resolved = path.resolve(cwd, value);
      const problem = check(resolved);
      return problem === undefined ? resolved : new Refusal(`${expected} (${problem})`);
    },
  };
}
