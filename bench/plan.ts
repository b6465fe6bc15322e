// What `npm run bench` runs, and what `npm run bench -- --quick` runs (under 3 minutes).
import type { DeliveryOptions } from "./scenarios/delivery.js";

export interface Plan {
  quick: boolean;
  floor: { messages: number; gapMs: number };
  startup: { runs: number; cpuAfterMs: number; rssAfterMs: number; cliRuns: number; npmStartRuns: number };
  /** rounds: each size and implementation run that many times, in turn; the medians count. */
  /** idleCpuRounds: the first that many rounds also measure idle CPU at the sizes of idleCpuAt. */
  mesh: { sizes: number[]; timeoutMs: number; settleMs: number; idleCpuSeconds: number; idleCpuAt: number[]; idleCpuRounds: number; rounds: number };
  newcomer: { n: number; rounds: number; settleSeconds: number };
  /** warmupRate: the warm-up's messages/s, when not the measured rate (`--delivery-warmup N@RATE`).
   *  rounds: each size and implementation run that many times, in turn; the medians count. */
  delivery: { sizes: number[]; warmupMessages: number; warmupRate?: number; messages: number; rate: number; rounds: number };
  ingest: { connections: number; warmupMs: number; durationMs: number; repeats: number };
  fanout: { n: number; rates: number[]; stepSeconds: number; maxMessages: number };
  many: { sizes: number[]; messages: number; rate: number; connectTimeoutMs: number };
  bridge: { warmupMessages: number; messages: number; rate: number };
}

export const FULL: Plan = {
  quick: false,
  floor: { messages: 500, gapMs: 10 },
  // 25 command-line runs: `node -e 0` alone spread from 97 to 140 ms over 10 in one run. 21
  // starts of each: a start on this machine takes one of two times about 1.4× apart, the floor's
  // as well as p2pchat's (bench/analysis.md "Start-up: one of two speeds"), and with 11 the
  // difference of two medians moved from +12.8 to +45.1 ms over five runs of much the same code.
  startup: { runs: 21, cpuAfterMs: 1_000, rssAfterMs: 2_000, cliRuns: 25, npmStartRuns: 7 },
  // N = 1 is the idle footprint of a peer alone; 40 is the largest mesh. Idle CPU over
  // 30 s: a lone Node.js peer wakes once per hello (5 s), so 10 s held two wake-ups of about a
  // millisecond each, and one more or less decided the goal (0.02 against 0.015 % in one run,
  // 0.014 against 0.024 % over 40 s right after it).
  // Eleven rounds in turn, the medians counting: one round's time after the last start moves from
  // run to run by more than what sets two implementations apart (two runs of the same code an
  // hour apart put the mesh of 40 at 1.01× and 2.56× of the reference peer's), with three the
  // mesh of 5 still came out at 0.83×, 1.08× and 1.29× in three runs of much the same code, and
  // with five the mesh of 20 at 0.88×, 1.01×, 1.24× and 1.29× in four (its rounds fall in two
  // groups, about 20-30 and 45-60 ms, and a median of five is whichever group three fell in;
  // bench/analysis.md "Five rounds, then eleven"). A round past the idle windows takes about a
  // minute for all sizes and implementations. The idle windows (30 s each) in the first three
  // only: they take most of a round's time.
  mesh: { sizes: [1, 5, 10, 20, 40], timeoutMs: 60_000, settleMs: 2_000, idleCpuSeconds: 30, idleCpuAt: [1, 40], idleCpuRounds: 3, rounds: 11 },
  // A newcomer to a settled room of 19, three rounds in turn (the median counts): the mesh's "after
  // the last start" without the backlog of the starts just before it.
  newcomer: { n: 20, rounds: 3, settleSeconds: 3 },
  // A warm-up past V8's optimising thresholds, at 200/s so that it takes 30 s: a room that has run
  // for a while, not one whose peers compile their hot paths among the measured messages. 2,000
  // messages were not enough: every peer still compiled the same few functions at the same measured
  // message (bench/analysis.md "A room past V8's threshold" and "Past V8's thresholds"). Seven
  // rounds in turn, the medians counting: p2pchat and the reference peer are close here, and one
  // run's figures move by more than the difference (in six runs of the same code the ratio of
  // their p50 to all 19 went from 0.94 to 1.25; with three rounds, the p99 to all 9 came out at
  // 1.08×, 1.14× and 1.32× in three runs of much the same code; with five, each of four runs
  // missed one figure of four, a different one in each). A round takes 40 s (the warm-up is 30).
  delivery: { sizes: [10, 20], warmupMessages: 6_000, warmupRate: 200, messages: 250, rate: 50, rounds: 7 },
  // Three alternating rounds; the median is reported (other work on the machine varies).
  ingest: { connections: 4, warmupMs: 2_000, durationMs: 5_000, repeats: 3 },
  // Steps of a quarter to a third from 300 up: the highest rate sustained is only as fine as the
  // ladder, and the goal is a ratio of two of its steps.
  fanout: { n: 10, rates: [50, 100, 200, 300, 400, 500, 600, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10000], stepSeconds: 2, maxMessages: 10_000 },
  many: { sizes: [50, 200, 500], messages: 50, rate: 10, connectTimeoutMs: 60_000 },
  bridge: { warmupMessages: 20, messages: 200, rate: 10 },
};

export const QUICK: Plan = {
  quick: true,
  floor: { messages: 200, gapMs: 10 },
  startup: { runs: 3, cpuAfterMs: 1_000, rssAfterMs: 2_000, cliRuns: 5, npmStartRuns: 2 },
  mesh: { sizes: [1, 5, 20], timeoutMs: 30_000, settleMs: 1_000, idleCpuSeconds: 3, idleCpuAt: [20], idleCpuRounds: 1, rounds: 1 },
  newcomer: { n: 10, rounds: 1, settleSeconds: 1 },
  delivery: { sizes: [10], warmupMessages: 50, messages: 200, rate: 50, rounds: 1 },
  ingest: { connections: 4, warmupMs: 1_000, durationMs: 3_000, repeats: 1 },
  fanout: { n: 10, rates: [50, 100, 200, 500, 1000], stepSeconds: 1, maxMessages: 1_000 },
  many: { sizes: [200], messages: 20, rate: 10, connectTimeoutMs: 30_000 },
  bridge: { warmupMessages: 10, messages: 50, rate: 10 },
};

export const SCENARIOS = ["floor", "startup", "mesh", "newcomer", "delivery", "ingest", "fanout", "many", "bridge"] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The delivery scenario's warm-up rate, messages/s: its own, or else the measured rate. */
export function deliveryWarmupRate(delivery: Plan["delivery"]): number {
  return delivery.warmupRate ?? delivery.rate;
}

/** What one round of the delivery scenario runs with under `plan` (scenarios/delivery.ts). */
export function deliveryOptions(plan: Plan, log: (line: string) => void): DeliveryOptions {
  return {
    warmupMessages: plan.delivery.warmupMessages,
    warmupRate: deliveryWarmupRate(plan.delivery),
    messages: plan.delivery.messages,
    rate: plan.delivery.rate,
    meshTimeoutMs: plan.mesh.timeoutMs,
    log,
  };
}

/**
 * `--delivery-warmup N[@RATE]`: the delivery scenario's warm-up, N messages (0 or more) at RATE
 * messages/s (left to the measured rate without one). What is wrong, in words, otherwise.
 */
export function parseWarmup(text: string): { messages: number; rate?: number } | string {
  const match = /^(\d+)(?:@(\d+))?$/.exec(text.trim());
  const messages = Number(match?.[1]);
  const rate = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || messages > 100_000 || (rate !== undefined && (rate < 1 || rate > 10_000))) {
    return `expected N or N@RATE (messages from 0 to 100000, a rate from 1 to 10000 messages/s), got ${JSON.stringify(text)}`;
  }
  return rate === undefined ? { messages } : { messages, rate };
}
