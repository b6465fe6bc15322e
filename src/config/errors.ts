/** Exit status for a configuration mistake (sysexits.h EX_CONFIG); the systemd unit lists it in
 * RestartPreventExitStatus so a bad config.ini stops the service instead of restarting it in a loop. */
export const EX_CONFIG = 78;
/** Exit status for a command line the daemon cannot make sense of (sysexits.h EX_USAGE). */
export const EX_USAGE = 64;
/** Exit status when a port the daemon needs is taken, most often by another p2pchat (sysexits.h
 * EX_TEMPFAIL: it may work later, once the other program stops; systemd's Restart= retries it). */
export const EX_PORT_IN_USE = 75;

/**
 * A setting that cannot be used. The message is one line, so that it reads whole in
 * `journalctl -fu chat`: `${file}: ${key} = ${JSON.stringify(value)}: expected ${expected}`.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    /** The config file as the user named it, or "command line" for flags. */
    readonly file: string,
    /** `[SECTION] key` as written in the file, or the flag (`--port`). */
    readonly key: string,
    /** The offending text, exactly as given. */
    readonly value: string,
    /** What would have been accepted, in words. */
    readonly expected: string,
  ) {
    // The value is JSON-quoted; file and key come from argv or the file, so escape stray control
    // characters there too: one error, one line, and nothing that could forge another log line.
    super(`${oneLine(file)}: ${oneLine(key)} = ${JSON.stringify(value)}: expected ${oneLine(expected)}`);
  }
}

/** One value as given, and where, so that an error can point the user at it. */
export interface Given {
  /** The file as named, "command line", or "default (host name)". */
  origin: string;
  /** `[section] key` as written in the file, or `--flag`. */
  name: string;
  value: string;
}

/** The ConfigError for a value that was given and is not `expected`. */
export function refuse(given: Given, expected: string): ConfigError {
  return new ConfigError(given.origin, given.name, given.value, expected);
}

/** The command line itself is wrong (unknown flag, flag without its value): print it, exit EX_USAGE. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

function oneLine(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
