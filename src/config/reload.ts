/**
 * What a re-read config (SIGHUP, `systemctl reload chat`) changes in a running peer. Settings the
 * running parts read each time they use them change at once; settings that are baked into a
 * socket or into our identity on the LAN need a restart, and the running peer keeps its old value
 * until then, so what it does always matches one consistent config. Which is which is each
 * setting's `reload` in the table (settings.ts).
 */
import { SETTINGS } from "./settings.js";
import type { Config } from "./types.js";

export interface Change {
  /** `[SECTION] key`. */
  name: string;
  /** As config.ini writes it: durations in seconds. */
  from: string | number;
  to: string | number;
}

export interface ReloadPlan {
  /** Changed and taken over by the running peer. */
  applied: Change[];
  /** Changed, but the running peer keeps the old value until it is restarted. */
  needRestart: Change[];
}

/**
 * Copies every setting that can change while running from `next` into `running` (the object the
 * peer's parts hold), leaves the others as they are, and says which changed.
 */
export function applyReload(running: Config, next: Config): ReloadPlan {
  const plan: ReloadPlan = { applied: [], needRestart: [] };
  for (const setting of SETTINGS) {
    const change = { name: setting.name, from: setting.written(running), to: setting.written(next) };
    if (change.from === change.to) continue;
    if (setting.reload === "applied") {
      setting.copy(next, running);
      plan.applied.push(change);
    } else {
      plan.needRestart.push(change);
    }
  }
  return plan;
}

/** `[LOG] level "info" -> "debug"`, `[DISCOVERY] interval 5 -> 2` (durations in seconds, as in the file). */
export function describeChange({ name, from, to }: Change): string {
  const show = (value: string | number) => (typeof value === "string" ? JSON.stringify(value) : String(value));
  return `${name} ${show(from)} -> ${show(to)}`;
}
