export interface TokenBucketOptions {
  /** Tokens when full: the burst taken at once. */
  capacity: number;
  /** Tokens added per second, up to capacity. */
  refillPerSecond: number;
  now?: () => number;
}

/**
 * A token bucket: `capacity` at once, then `refillPerSecond` on average. It answers whether one
 * more event fits now; it never waits. State is two numbers, refilled lazily on each call, so a
 * bucket per peer costs nothing while the peer is quiet.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(private options: TokenBucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError(`token bucket needs capacity >= 1 and refill > 0, got ${options.capacity}, ${options.refillPerSecond}`);
    }
    this.now = options.now ?? Date.now;
    this.tokens = options.capacity;
    this.last = this.now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until the next token, for the refusal's words. */
  get secondsUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.options.refillPerSecond);
  }

  /** True when the bucket is full again: a quiet peer's bucket can be forgotten. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.options.capacity;
  }

  reconfigure(options: Omit<TokenBucketOptions, "now">): void {
    this.refill();
    this.options = { ...this.options, ...options };
    this.tokens = Math.min(this.tokens, options.capacity);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.options.capacity, this.tokens + elapsed * this.options.refillPerSecond);
  }
}
