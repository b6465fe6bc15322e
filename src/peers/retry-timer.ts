/**
 * Exponential backoff with jitter for reconnect attempts (after hyperswarm's retry-timer): many
 * peers that lost the same peer at the same moment must not all knock again in lock-step.
 */
export class RetryTimer {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
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
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, delay);
    this.timer.unref();
    return delay;
  }

  /** A success: the next failure starts again from the shortest delay. */
  reset(): void {
    this.cancel();
    this.attempt = 0;
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
