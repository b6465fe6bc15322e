/**
 * What a re-read config (SIGHUP, `systemctl reload chat`) changes in a running peer. Settings the
 * running parts read each time they use them change at once; settings that are baked into a
 * socket or into our identity on the LAN need a restart, and the running peer keeps its old value
 * until then, so what it does always matches one consistent config.
 */
import type { Config } from "./types.js";

/** One setting as it appears in config.ini, and where it lives in Config. */
interface Setting {
  /** `[SECTION] key`, as a user would look for it in the file. */
  name: string;
  get(config: Config): string | number;
  /** Kept in ms, written in seconds: shown in seconds in the log. */
  seconds?: true;
  /** Copies the value from `next` into `running`; absent = only a restart applies it. */
  apply?(running: Config, next: Config): void;
}

const SETTINGS: readonly Setting[] = [
  // Our identity and sockets: other peers know us by them, and the sockets are bound at start.
  { name: "[NETWORK_INFO] peer_id", get: (c) => c.peerId },
  // Read once at start; switching files while running would fork the history.
  { name: "[HISTORY] file", get: (c) => c.history.file },
  { name: "[NETWORK_INFO] port", get: (c) => c.port },
  { name: "[HTTP] port", get: (c) => c.http.port },
  { name: "[HTTP] bind", get: (c) => c.http.bind },
  // Discovery re-reads these at its next announcement.
  {
    name: "[NETWORK_INFO] broadcast_address",
    get: (c) => c.broadcastAddress,
    apply: (r, n) => (r.broadcastAddress = n.broadcastAddress),
  },
  {
    name: "[DISCOVERY] interval",
    get: (c) => c.discovery.intervalMs,
    seconds: true,
    apply: (r, n) => (r.discovery.intervalMs = n.discovery.intervalMs),
  },
  {
    name: "[DISCOVERY] peer_timeout",
    get: (c) => c.discovery.peerTimeoutMs,
    seconds: true,
    apply: (r, n) => (r.discovery.peerTimeoutMs = n.discovery.peerTimeoutMs),
  },
  // The peer table checks this whenever a new peer turns up.
  {
    name: "[DISCOVERY] max_peers",
    get: (c) => c.discovery.maxPeers,
    apply: (r, n) => (r.discovery.maxPeers = n.discovery.maxPeers),
  },
  { name: "[HISTORY] limit", get: (c) => c.history.limit, apply: (r, n) => (r.history.limit = n.history.limit) },
  // Read by HTTP per request, by connections when they are opened or accepted.
  {
    name: "[HISTORY] max_message_bytes",
    get: (c) => c.history.maxMessageBytes,
    apply: (r, n) => (r.history.maxMessageBytes = n.history.maxMessageBytes),
  },
  // Read when a connection is opened or accepted: connections made after the reload use them.
  ...(["connectTimeoutMs", "helloTimeoutMs", "ackTimeoutMs", "maxFrameBytes", "maxHelloReplyBytes", "maxSendAttempts",
    "maxQueuedMessages", "introTimeoutMs", "maxWriteBufferBytes", "maxConnections", "maxConnectionsPerAddress"] as const)
    .map((key): Setting => ({
      name: `[TCP] ${iniName(key)}`,
      get: (c) => c.tcp[key],
      ...(key.endsWith("Ms") ? { seconds: true as const } : {}),
      apply: (r, n) => (r.tcp[key] = n.tcp[key]),
    })),
  // Each known peer's backoff timer is made with these when the peer is first seen.
  { name: "[TCP] retry_min", get: (c) => c.tcp.retryMinMs, seconds: true },
  { name: "[TCP] retry_max", get: (c) => c.tcp.retryMaxMs, seconds: true },
  { name: "[LOG] level", get: (c) => c.log.level, apply: (r, n) => (r.log.level = n.log.level) },
];

/** `connectTimeoutMs` -> `connect_timeout`, the key's name in config.ini. */
function iniName(key: string): string {
  return key.replace(/Ms$/, "").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export interface Change {
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
    const from = setting.get(running);
    const to = setting.get(next);
    if (from === to) continue;
    const shown = (value: string | number) => (setting.seconds && typeof value === "number" ? value / 1000 : value);
    const change = { name: setting.name, from: shown(from), to: shown(to) };
    if (setting.apply) {
      setting.apply(running, next);
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
