/**
 * Milliseconds on a clock that no change of the system clock moves, from an arbitrary origin: what
 * `performance.now()` gives, for timing a wait or a step within one process.
 *
 * Not `performance.now()` itself: the global `performance` loads `perf_hooks` and eight more of
 * Node's modules at its first use, which a daemon made at every start (about half a millisecond)
 * for a clock that `process.hrtime` reads without them (bench/analysis.md "Fewer of Node's
 * modules at a start").
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
