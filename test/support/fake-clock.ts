import type { Timers } from "../../src/peers/retry-timer.js";

/**
 * A clock and timers that move only when the test says so: backoff, peer_timeout and "once a
 * minute" are tested in microseconds, and exactly.
 */
export class FakeClock implements Timers {
  private time = 1_707_243_010_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; run: () => void }>();

  readonly now = (): number => this.time;

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time on by `ms`, running every timer that falls due, in order, at its own time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; run: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].run();
    }
    this.time = end;
  }
}
