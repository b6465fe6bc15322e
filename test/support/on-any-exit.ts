/**
 * Runs `cleanAll` (synchronous) when the process exits or is interrupted, so a test harness
 * leaves nothing behind on Ctrl-C or a CI timeout's SIGTERM. If nobody else (e.g. node's test
 * runner) handles the signal, the process then dies of it as it would have.
 */
export function onAnyExit(cleanAll: () => void): void {
  process.on("exit", cleanAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const handler = () => {
      cleanAll();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}
