import type { LogLevel } from "../config/types.js";

/** syslog priorities journald understands as a `<N>` prefix (sd-daemon(3)). */
const JOURNAL_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  enabled(level: LogLevel): boolean;
}

/** A logger whose level can be changed while it runs (config reload). */
export interface AdjustableLogger extends Logger {
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Lines go here; stderr by default, which journald captures like stdout. */
  write?: (line: string) => void;
  /** Under journald: prefix each line with its priority and leave the timestamp to the journal. */
  journald?: boolean;
  /** Prefix for every line, e.g. the peer id when several peers share one process in tests. */
  prefix?: string;
}

/** systemd sets JOURNAL_STREAM when stdout/stderr are connected to the journal (systemd.exec(5)). */
export function underJournald(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env.JOURNAL_STREAM === "string" && env.JOURNAL_STREAM.length > 0;
}

/**
 * Lines for stderr, gathered and written together once the current turn of the event loop is done.
 * A busy peer logs a line per message; one write per line costs as much as handling the message
 * (a system call, and a wake-up of journald or whatever reads the pipe), so a burst of lines goes
 * out in one write. A quiet peer still writes each line at once. What is pending is written
 * synchronously on exit, so nothing is lost when the process ends.
 */
function batchedStderr(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("\n") + "\n";
    pending = [];
    process.stderr.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush).unref();
  };
}

let stderrWriter: ((line: string) => void) | undefined;

export function createLogger(options: LoggerOptions): AdjustableLogger {
  const write = options.write ?? (stderrWriter ??= batchedStderr());
  const journald = options.journald ?? underJournald();
  const prefix = options.prefix ? `${options.prefix}: ` : "";
  let threshold = RANK[options.level];

  const emit = (level: LogLevel, message: string): void => {
    if (RANK[level] > threshold) return;
    // One event, one line: a peer-supplied string must not be able to forge extra log lines.
    const text = prefix + message.replace(/[\r\n]+/g, " ");
    write(journald
      ? `<${JOURNAL_PRIORITY[level]}>${text}`
      : `${new Date().toISOString()} ${level.padEnd(5)} ${text}`);
  };

  return {
    error: (m) => emit("error", m),
    warn: (m) => emit("warn", m),
    info: (m) => emit("info", m),
    debug: (m) => emit("debug", m),
    enabled: (level) => RANK[level] <= threshold,
    setLevel: (level) => {
      threshold = RANK[level];
    },
  };
}
