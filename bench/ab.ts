// Two builds measured in turn, round by round: the order of the rounds, and what the rounds say.
import { median } from "./stats.js";

export type Build = "before" | "after";

/**
 * The order of `rounds` rounds of each build: before, after, after, before, before, after, ...
 * (ABBA). In pairs of A then B, whichever runs second in a pair is favoured or harmed alike in
 * every pair, and a machine that drifts during the run drifts under one build more than the
 * other; in ABBA each build runs first as often as second, and both are in every stretch of four.
 */
export function abbaOrder(rounds: number): Build[] {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`rounds: expected a whole number from 1, got ${rounds}`);
  const order: Build[] = [];
  for (let k = 0; k < 2 * rounds; k++) order.push(k % 4 === 0 || k % 4 === 3 ? "before" : "after");
  return order;
}

export interface Comparison {
  before: number;
  after: number;
  /** In how many pairs (the k-th round of each build) the after build's figure was the higher. */
  afterHigher: number;
  pairs: number;
}

/** Medians of one figure of each build's rounds, and the pairs in which the after build's is the higher. */
export function compareRounds(before: readonly number[], after: readonly number[]): Comparison {
  if (before.length === 0 || after.length === 0) throw new RangeError("compareRounds: each build needs one round at least");
  const pairs = Math.min(before.length, after.length);
  let afterHigher = 0;
  for (let k = 0; k < pairs; k++) if ((after[k] as number) > (before[k] as number)) afterHigher++;
  return { before: median(before), after: median(after), afterHigher, pairs };
}

/**
 * What a failed round's standard error says went wrong, on one line: its last three lines that
 * are not a stack frame, blank, or Node's version line (the last three lines of a crash are
 * those, and said nothing).
 */
export function whyItFailed(stderr: string): string {
  const told = stderr.split("\n").map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !/^\s+at /.test(line) && !/^Node\.js v\d/.test(line));
  return told.slice(-3).join(" | ") || "(nothing on standard error)";
}
