/** Where timers come from: the system's, or a test's fake clock. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, unref'd: a pending retry must not keep a stopping process alive. */
export const systemTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * One timer at a time on `Timers`: starting it again replaces the one pending, and a timer
 * cancelled or replaced never runs (with a fake clock as with Node's).
 */
export class OneShotTimer {
  /** Boxed: a fake clock's handle may be any value, undefined included. */
  private timer: { handle: unknown } | undefined;

  constructor(private readonly timers: Timers = systemTimers) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  start(ms: number, run: () => void): void {
    this.cancel();
    const timer = {
      handle: this.timers.setTimeout(() => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        run();
      }, ms),
    };
    this.timer = timer;
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

/**
 * Exponential backoff with jitter for reconnect attempts (after hyperswarm's retry-timer): many
 * peers that lost the same peer at the same moment must not all knock again in lock-step.
 */
export class RetryTimer {
  private attempt = 0;
  private readonly timer: OneShotTimer;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
    timers: Timers = systemTimers,
  ) {
    this.timer = new OneShotTimer(timers);
  }

  get pending(): boolean {
    return this.timer.pending;
  }

  /** The delay the next schedule() will use: min·2^attempt, capped, then ±25 %. */
  nextDelay(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    return Math.round(base * (0.75 + this.random() * 0.5));
  }

  schedule(run: () => void): number {
    this.cancel();
    const delay = this.nextDelay();
    this.attempt += 1;
    this.timer.start(delay, run);
    return delay;
  }

  /** A success: the next failure starts again from the shortest delay. */
  reset(): void {
    this.cancel();
    this.attempt = 0;
  }

  cancel(): void {
    this.timer.cancel();
  }
}
