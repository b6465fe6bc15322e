import { setFlagsFromString } from "node:v8";

/**
 * How much work (V8 counts bytecode run) a function does before V8 considers optimising it, once
 * the daemon runs: 8x the 66 KB of Node 20's V8 (later V8s use 132 KB, still well below it).
 */
const INTERRUPT_BUDGET_WHILE_RUNNING = 8 * 67_584;

/**
 * From now on, V8 optimises a function only after 8x the work it would by default. Every peer of
 * a room receives the same messages, so with V8's threshold all of them optimised the same
 * functions at the same message, on cores they share, and those compiles were the p99 of
 * delivery at a chat's pace; at the rates of a flood the hot paths reach even this threshold
 * within a fraction of a second (bench/analysis.md "The p99 at N = 20").
 *
 * Set from inside once the daemon listens, not as a node flag: V8's first, cheap tier
 * (Sparkplug) waits for the same budget, and Node's module loading during a start ran
 * interpreted for longer with it (+30 ms and +50 ms of CPU to a start). V8 reads the budget each
 * time it resets a function's, so a change takes effect from then on.
 */
export function optimiseLaterFromNowOn(): void {
  setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET_WHILE_RUNNING}`);
}
