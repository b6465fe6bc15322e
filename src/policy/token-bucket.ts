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

/**
 * One TokenBucket per key (a peer_id, an address), made full for a key not seen before. A key's
 * bucket that is full again holds nothing worth keeping, so beyond `maxKeys` the full ones are
 * forgotten: a flood of new keys cannot grow it without end.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private options: TokenBucketOptions;

  constructor(options: TokenBucketOptions, private readonly maxKeys: number) {
    this.options = options;
  }

  /** Takes one token from `key`'s bucket if it has one. */
  take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) {
        for (const [old, quiet] of this.buckets) if (quiet.full) this.buckets.delete(old);
      }
      bucket = new TokenBucket(this.options);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** A new capacity and rate for every bucket, and for those made from now on. */
  reconfigure(options: Omit<TokenBucketOptions, "now">): void {
    this.options = { ...this.options, ...options };
    for (const bucket of this.buckets.values()) bucket.reconfigure(options);
  }
}
