const settled = Promise.resolve();

/**
 * Runs `task` once the code running now has finished, before any I/O is handled: what
 * queueMicrotask() does, without the async-hooks resource Node makes for every queueMicrotask()
 * call. It runs for every message received (the relay) and every peer change while someone
 * watches (the peers view), and that resource, made and entered each time, was about 2 % of a
 * chat's CPU in a perf profile of the delivery benchmark (bench/analysis.md). An exception thrown by `task` stays an uncaught exception, as from
 * queueMicrotask(), not an unhandled rejection.
 */
export function afterThisTurn(task: () => void): void {
  void settled.then(() => {
    try {
      task();
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  });
}
