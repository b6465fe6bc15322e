// Polling helpers for tests that wait on real processes and sockets.
//
// waitFor() is the one way tests should wait for "eventually true" conditions: it polls instead
// of sleeping a guessed amount, and when it gives up it says what it was waiting for and what it
// saw last, so a failed CI run can be understood from its log alone.
import { setTimeout as delay } from "node:timers/promises";
import { inspect } from "node:util";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** What a probe may answer: a value means "ready"; undefined, null or false mean "not yet". */
export type Probed<T> = T | undefined | null | false;

export interface WaitOptions {
  /** Give up after this long (the probe in flight at the deadline is not awaited further). */
  timeoutMs: number;
  /** Pause between the end of one probe and the start of the next (default 50 ms). */
  intervalMs?: number;
  /** Names the condition in the timeout error, e.g. "h2 to show the message from peer a". */
  what: string;
}

/** The error thrown when waitFor() gives up; `lastValue` / `lastError` tell what was seen last. */
export class WaitTimeoutError extends Error {
  override name = "WaitTimeoutError";
  constructor(
    message: string,
    readonly what: string,
    readonly lastValue: unknown,
    readonly lastError: unknown,
  ) {
    super(message);
  }
}

function show(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, maxStringLength: 500, maxArrayLength: 20 });
}

/**
 * Calls `probe` until it returns (or resolves to) something other than undefined, null or false,
 * and resolves to that value. A probe that throws counts as "not yet" (a peer still starting up
 * refuses connections); its error is remembered for the timeout message.
 */
export async function waitFor<T>(
  probe: () => Probed<T> | Promise<Probed<T>>,
  options: WaitOptions,
): Promise<T> {
  const { timeoutMs, what } = options;
  const intervalMs = options.intervalMs ?? 50;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let attempts = 0;
  let lastValue: unknown = undefined;
  let lastError: unknown = undefined;
  let sawValue = false;

  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    // A probe that hangs (a request to a wedged peer) must not stretch the timeout.
    const timer = new AbortController();
    const expired = Symbol("expired");
    try {
      const outcome = await Promise.race([
        Promise.resolve().then(probe),
        delay(Math.max(remaining, 0), expired, { signal: timer.signal }),
      ]);
      if (outcome === expired) {
        lastError = new Error(`probe still running at the deadline`);
      } else if (outcome !== undefined && outcome !== null && outcome !== false) {
        return outcome as T;
      } else {
        lastValue = outcome;
        lastError = undefined;
        sawValue = true;
      }
    } catch (error) {
      lastError = error;
    } finally {
      timer.abort();
    }

    if (Date.now() >= deadline) {
      const elapsed = Date.now() - started;
      const value = sawValue ? `last value: ${show(lastValue)}` : "";
      const error =
        lastError === undefined
          ? ""
          : `last error: ${lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : show(lastError)}`;
      const last = [error, value].filter(Boolean).join("; ") || "the probe never completed";
      throw new WaitTimeoutError(
        `timed out after ${elapsed} ms (${attempts} attempts) waiting for ${what}; ${last}`,
        what,
        lastValue,
        lastError,
      );
    }
    await delay(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }
}
