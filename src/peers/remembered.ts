import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isIPv4 } from "node:net";
import { errorText } from "../log/error-text.js";
import type { Logger } from "../log/logger.js";
import { isPeerId } from "../protocol/peer-id.js";

/** One peer we were connected to, and when it was last connected or heard while connected. */
export interface RememberedPeer {
  peerId: string;
  host: string;
  lastSeen: number;
}

const DAY_MS = 86_400_000;
/** A file of made-up peers must not grow memory or our unicast hellos without end. */
const MAX_REMEMBERED = 256;

/** The state file beside the history file: history.json gives history.peers.json. */
export function rememberedFileFor(historyFile: string): string {
  const dir = path.dirname(historyFile);
  const base = path.basename(historyFile).replace(/\.json$/i, "");
  return path.join(dir, `${base}.peers.json`);
}

/**
 * The peers we were connected to, kept across restarts so that they are dialled again by unicast
 * before any broadcast is answered (docs/getting-started.md "Across networks"): a peer across a router, or on a
 * Wi-Fi that drops broadcast, is found again without anyone configuring it. Forgotten after
 * [PEERS] forget_after_days unseen. Written atomically (temporary file, then rename).
 */
export class RememberedPeers {
  private readonly peers = new Map<string, RememberedPeer>();
  private dirty = false;

  constructor(
    private readonly file: string,
    private forgetAfterMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  setForgetAfterDays(days: number): void {
    this.forgetAfterMs = days * DAY_MS;
  }

  /** Reads the file; a missing file is an empty list, an unreadable one is said and ignored. */
  load(): RememberedPeer[] {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        this.logger.warn(`remembered peers in ${this.file} not read: ${errorText(err)}; starting without them`);
      }
      return [];
    }
    const entries = Array.isArray((raw as { peers?: unknown })?.peers) ? (raw as { peers: unknown[] }).peers : [];
    for (const entry of entries.slice(0, MAX_REMEMBERED)) {
      const { peerId, host, lastSeen } = (entry ?? {}) as Partial<RememberedPeer>;
      if (!isPeerId(peerId) || typeof host !== "string" || !isIPv4(host) || typeof lastSeen !== "number") continue;
      this.peers.set(peerId, { peerId, host, lastSeen });
    }
    // Written at the next save(): a forgotten peer must not come back with the next restart.
    if (this.forgetOld()) this.dirty = true;
    return this.list();
  }

  /** We are connected to `peerId` at `host` now. */
  record(peerId: string, host: string): void {
    const known = this.peers.get(peerId);
    if (!known && this.peers.size >= MAX_REMEMBERED) this.dropOldest();
    this.peers.set(peerId, { peerId, host, lastSeen: this.now() });
    if (known?.host !== host) this.dirty = true;
    // Only the time changed: written at the next save() all the same, but not urgent.
    else this.dirty ||= this.now() - known.lastSeen > 60_000;
  }

  list(): RememberedPeer[] {
    return [...this.peers.values()];
  }

  /** Writes the file if anything changed since the last write; forgets who was not seen in time. */
  save(): void {
    if (this.forgetOld()) this.dirty = true;
    if (!this.dirty) return;
    const temporary = `${this.file}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(temporary, JSON.stringify({ peers: this.list() }, null, 1) + "\n");
      renameSync(temporary, this.file);
      this.dirty = false;
    } catch (err) {
      this.logger.warn(`remembered peers not saved to ${this.file}: ${errorText(err)}`);
    }
  }

  private forgetOld(): boolean {
    const cutoff = this.now() - this.forgetAfterMs;
    let forgot = false;
    for (const [id, peer] of this.peers) {
      if (peer.lastSeen >= cutoff) continue;
      this.peers.delete(id);
      this.logger.info(`forgot remembered peer ${id} at ${peer.host}: not seen for more than ${Math.round(this.forgetAfterMs / DAY_MS)} days`);
      forgot = true;
    }
    return forgot;
  }

  private dropOldest(): void {
    const oldest = this.list().sort((a, b) => a.lastSeen - b.lastSeen)[0];
    if (oldest) this.peers.delete(oldest.peerId);
  }
}
