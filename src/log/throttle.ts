/**
 * "Say it once a minute" for log lines a peer can provoke at will (a flood of made-up peer_ids, a
 * peer that never acks): the first time is said, repeats within the interval are not. The
 * counters (src/stats) still count every one, so nothing is lost to an operator.
 */
export class LogThrottle {
  private readonly lastSaid = new Map<string, number>();

  constructor(
    /** Infinity: once per key for as long as the key is remembered. */
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** Keys remembered at most; beyond it all are forgotten, so a flood of keys cannot grow it. */
    private readonly maxKeys = 1_000,
  ) {}

  /** True if a line about `key` should be said now (and remembers that it was). */
  allows(key = ""): boolean {
    const at = this.now();
    const last = this.lastSaid.get(key);
    if (last !== undefined && at - last < this.intervalMs) return false;
    if (last === undefined && this.lastSaid.size >= this.maxKeys) this.lastSaid.clear();
    this.lastSaid.set(key, at);
    return true;
  }

  /** The next line about `key` is said again at once (the condition ended). */
  forget(key = ""): void {
    this.lastSaid.delete(key);
  }
}
