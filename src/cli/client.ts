/**
 * How the CLI's subcommands reach the local daemon: its HTTP address from the same config file
 * and flags the daemon reads (src/config/load.ts), requests with a timeout, and every way of
 * failing turned into one line and an exit code (documented in the README and in each --help).
 */
import { isIPv6 } from "node:net";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { DEFAULT_FILE } from "../config/flags.js";
import { ConfigError, EX_CONFIG, EX_USAGE, loadConfig, UsageError } from "../config/load.js";
import { settingAt } from "../config/settings.js";
import { EventStreamParser, type ReceivedEvent } from "../http/sse-parser.js";

/** sysexits.h EX_UNAVAILABLE: nothing (usable) answers at the daemon's address. */
export const EX_UNAVAILABLE = 69;
/** The daemon answered, and refused: e.g. a message it would not take. */
export const EX_REFUSED = 1;

export const EXIT_CODES_HELP = `Exit codes: 0 done; 1 the daemon refused the request; 64 bad command line;
69 the daemon is not running or not reachable; 78 bad config file or flag.`;

/** A `p2pchat <name>` subcommand, as src/cli/main.ts runs it: run() answers the exit code. Its
 * one-line summary for `p2pchat --help` is in src/cli/commands.ts, so that --help loads no command. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

/** Ends the command with one line on stderr and an exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** The flags every subcommand takes to find the daemon, as the daemon itself reads them. */
export const DAEMON_ADDRESS_OPTIONS = {
  config: { type: "string" },
  "http-port": { type: "string" },
  "http-bind": { type: "string" },
} as const;

const HTTP_PORT = settingAt("HTTP", "port");
const HTTP_BIND = settingAt("HTTP", "bind");

export const DAEMON_ADDRESS_HELP = `Where the daemon is (read as the daemon reads them, so the same flags find it):
  --config PATH       config file (default: ${DEFAULT_FILE} in the working directory)
  --http-port N       its HTTP port (default: ${HTTP_PORT.name}, else ${HTTP_PORT.defaultShown})
  --http-bind ADDR    its HTTP address (default: ${HTTP_BIND.name}, else ${HTTP_BIND.defaultShown};
                      0.0.0.0 and :: are reached on loopback)`;

const TIMEOUT_MS = 5_000;

/** Parses a subcommand's argv; a mistake becomes a UsageError-like CliError (exit 64). */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw err;
    throw new CliError(`p2pchat ${command}: ${(err as Error).message.replace(/\s*\n\s*/g, " ")}\nSee p2pchat ${command} --help.`, EX_USAGE);
  }
}

/** The daemon's base URL, from the config file and flags; 0.0.0.0 and :: mean "on this machine". */
export function daemonUrl(values: { config?: string | undefined; "http-port"?: string | undefined; "http-bind"?: string | undefined }): URL {
  const argv: string[] = [];
  for (const flag of ["config", "http-port", "http-bind"] as const) {
    const value = values[flag];
    if (value !== undefined) argv.push(`--${flag}`, value);
  }
  let config;
  try {
    ({ config } = loadConfig(argv));
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`p2pchat: config error: ${err.message}`, EX_CONFIG);
    if (err instanceof UsageError) throw new CliError(`p2pchat: ${err.message}`, EX_USAGE);
    throw err;
  }
  const { bind, port } = config.http;
  const host = bind === "0.0.0.0" ? "127.0.0.1" : bind === "::" ? "::1" : bind;
  return new URL(`http://${isIPv6(host) ? `[${host}]` : host}:${port}/`);
}

/** Requests to one daemon's HTTP API. */
export class DaemonClient {
  constructor(readonly base: URL) {}

  get origin(): string {
    return this.base.origin;
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** Like get(), but undefined when the daemon has no such path (an older or other peer). */
  async getIfThere<T>(path: string): Promise<T | undefined> {
    return this.request<T>("GET", path, undefined, true);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, JSON.stringify(body));
  }

  /**
   * GET /events: resolves once the stream is open (so what happens from then on is not missed),
   * with the events as an async iterable that ends when the daemon closes the stream.
   */
  async events(signal?: AbortSignal): Promise<AsyncIterable<ReceivedEvent>> {
    const url = new URL("/events", this.base);
    // A time limit on getting the stream open, not on the stream: it stays open for as long as we follow.
    const opening = new AbortController();
    const timer = setTimeout(() => opening.abort(new DOMException("timed out", "TimeoutError")), TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { Accept: "text/event-stream" },
        signal: signal ? AbortSignal.any([signal, opening.signal]) : opening.signal,
      });
    } catch (err) {
      throw this.unreachable(opening.signal.aborted ? opening.signal.reason : err);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok || !response.body) {
      throw new CliError(`p2pchat: ${this.origin} answered HTTP ${response.status} to GET /events: ` +
        "is that a p2pchat daemon of this version?", EX_UNAVAILABLE);
    }
    const body = response.body;
    return {
      async *[Symbol.asyncIterator]() {
        const parser = new EventStreamParser();
        const decoder = new TextDecoder();
        try {
          for await (const chunk of body) {
            for (const event of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) yield event;
          }
        } catch {
          // The daemon went away mid-stream (or we were aborted): the stream just ends.
        }
      },
    };
  }

  private async request<T>(method: string, path: string, body?: string): Promise<T>;
  private async request<T>(method: string, path: string, body: string | undefined, optional: true): Promise<T | undefined>;
  private async request<T>(method: string, path: string, body?: string, optional = false): Promise<T | undefined> {
    const url = new URL(path, this.base);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        ...(body === undefined ? {} : { body, headers: { "Content-Type": "application/json" } }),
      });
      text = await response.text();
    } catch (err) {
      throw this.unreachable(err);
    }
    if (optional && response.status === 404) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`p2pchat: ${this.origin} answered ${method} ${path} with HTTP ${response.status} and no JSON: ` +
        "is that a p2pchat daemon?", EX_UNAVAILABLE);
    }
    if (!response.ok) {
      const why = (parsed as { message?: unknown }).message;
      if (response.status === 404) {
        throw new CliError(`p2pchat: ${this.origin} has no ${path}: is that a p2pchat daemon of this version?`, EX_UNAVAILABLE);
      }
      throw new CliError(`p2pchat: the daemon refused: ${typeof why === "string" ? why : `HTTP ${response.status}`}`, EX_REFUSED);
    }
    return parsed as T;
  }

  /** One line for "there is no daemon": the cause in words, and what to do about it. */
  unreachable(err: unknown): CliError {
    const error = err as Error & { cause?: { code?: string; message?: string } };
    const code = error.cause?.code ?? (error.name === "TimeoutError" ? "TIMEOUT" : undefined);
    const at = this.origin;
    const line = code === "ECONNREFUSED"
      ? `p2pchat: the daemon is not running: nothing answers at ${at} (connection refused). Start it with: p2pchat`
      : code === "TIMEOUT"
        ? `p2pchat: the daemon at ${at} did not answer within ${TIMEOUT_MS / 1000} s`
        : `p2pchat: cannot reach the daemon at ${at}: ${code ?? error.cause?.message ?? error.message}`;
    return new CliError(line, EX_UNAVAILABLE);
  }
}

/** Runs a subcommand body, turning a CliError into its line on stderr and its exit code. */
export async function runCommand(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(err.message + "\n");
    return err.exitCode;
  }
}
