import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { statFields } from "../../bench/proc.js";

/**
 * Some deaths run no handler at all: SIGKILL (a CI timeout, the OOM killer), or node's test runner
 * failing inside its own uncaughtException handler. For those, a harness module starts a small
 * watcher: itself, run again as `node <module> --reap <our pid>`, in its own session, holding a
 * pipe from us. When the pipe closes (we are gone, however we died) it removes what we left.
 *
 * The module calls startReaper(import.meta.url) when it first creates something, and
 * `await reapIfAsked(import.meta.url, removeStale)` at its top level.
 */
export function startReaper(moduleUrl: string): void {
  try {
    const reaper = spawn(process.execPath, [fileURLToPath(moduleUrl), "--reap", String(process.pid)], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    reaper.on("error", () => undefined); // then only the next run's own clean-up of stale leftovers helps
    reaper.stdin?.on("error", () => undefined);
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  } catch {
    // as above
  }
}

/** In the watcher process: waits for the owner to die, then runs `removeStale` and exits. */
export async function reapIfAsked(moduleUrl: string, removeStale: () => void): Promise<void> {
  if (process.argv[2] !== "--reap" || process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const owner = Number(process.argv[3]);
  process.stdin.resume();
  await new Promise((resolve) => process.stdin.once("close", resolve).once("end", resolve));
  // The pipe closes as the owner exits; give it a moment to become a zombie or disappear.
  for (let i = 0; i < 100 && running(owner); i++) await delay(20);
  if (!running(owner)) removeStale();
  process.exit(0);
}

/** Alive and not a zombie: a reparented zombie still answers kill(pid, 0), and our unreaped
 *  children stay zombies while we block. */
export function running(pid: number): boolean {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, "utf8"))[0] !== "Z";
  } catch {
    return false;
  }
}
