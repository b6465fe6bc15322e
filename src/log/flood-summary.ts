import type { LogLevel } from "../config/types.js";
import type { Logger } from "./logger.js";

export interface FloodSummaryOptions {
  /** Lines of one kind written per interval; the rest are counted. */
  linesPerInterval: number;
  intervalMs: number;
  now?: () => number;
}

interface Window {
  started: number;
  written: number;
  suppressed: number;
  level: LogLevel;
  /** How the summary names what was held back, e.g. "messages received from x". */
  what: string;
}

/**
 * Keeps the log bounded under any flood: per kind of line (a key such as "received:x"), the first
 * few of an interval are written, and the rest are counted and summed up in one line when the
 * next line of that kind comes or when `flush()` is called (the node calls it on a timer). Ten
 * thousand messages from one peer cost a handful of lines, not ten thousand.
 */
export class FloodSummary {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(private readonly logger: Logger, private readonly options: FloodSummaryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Writes `line` at `level` unless this kind has had its share of the interval. */
  write(level: LogLevel, key: string, what: string, line: () => string): void {
    if (!this.logger.enabled(level)) return;
    const now = this.now();
    let window = this.windows.get(key);
    if (window && now - window.started >= this.options.intervalMs) {
      this.summarise(window);
      window = undefined;
    }
    if (!window) {
      window = { started: now, written: 0, suppressed: 0, level, what };
      this.windows.set(key, window);
    }
    if (window.written < this.options.linesPerInterval) {
      window.written++;
      this.logger[level](line());
    } else {
      window.suppressed++;
    }
  }

  /** Sums up and forgets every kind whose interval is over. */
  flush(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now - window.started < this.options.intervalMs) continue;
      this.summarise(window);
      this.windows.delete(key);
    }
  }

  /** Lines held back so far in open intervals (for tests and stats). */
  get pending(): number {
    let total = 0;
    for (const window of this.windows.values()) total += window.suppressed;
    return total;
  }

  private summarise(window: Window): void {
    if (window.suppressed === 0) return;
    const seconds = Math.round((this.now() - window.started) / 1000);
    this.logger[window.level](`... and ${window.suppressed} more ${window.what} in the last ${seconds} s (not logged one by one)`);
    window.suppressed = 0;
  }
}
