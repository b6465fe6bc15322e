import { readFileSync, renameSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { Logger } from "../log/logger.js";
import type { History } from "./history.js";
import type { HistoryReport } from "./intake.js";

/** Changes within this window are written together: a busy chat is not one write per message. */
const WRITE_DELAY_MS = 200;

/**
 * Keeps the history in a file across restarts ([HISTORY] file). The file is the history object
 * exactly as GET /messages answers it, so it can be read, and even edited, by hand. Writes go to
 * a temporary file that is then renamed over the old one: a crash mid-write leaves the old file.
 */
export class HistoryFile {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private lastError: string | undefined;
  private readonly onMessage = () => this.schedule();

  constructor(
    private readonly path: string,
    /** Read only: its snapshot is what is written, its "message" events say when. */
    private readonly history: History,
    /** The intake's door for a saved history (MessageIntake.restore): the file never writes the history itself. */
    private readonly restore: (saved: unknown) => HistoryReport,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads what the file holds into the history. A missing file is a first start; a file that
   * does not parse is set aside (renamed, never deleted) so no message is lost, and we start empty.
   */
  load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new Error(`cannot read the history file ${this.path}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      renameSync(this.path, aside);
      this.logger.warn(`history file ${this.path} is not JSON (${(err as Error).message}): moved to ${aside}, starting empty`);
      return;
    }
    const report = this.restore(parsed);
    if (report.skipped > 0) {
      this.logger.warn(`history file ${this.path}: skipped ${report.skipped} invalid entries, ` +
        `e.g. ${report.invalid.slice(0, 3).join("; ")}`);
    }
    this.logger.info(`history: ${this.history.size} messages loaded from ${this.path}`);
  }

  /** Writes the history a moment after each change from now on. */
  watch(): void {
    this.history.on("message", this.onMessage);
  }

  /** Stops watching and writes what is not written yet. */
  async close(): Promise<void> {
    this.history.off("message", this.onMessage);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) this.writing = this.writing.then(() => this.write());
    await this.writing;
  }

  private schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // One write at a time, in order: a slow disk must not let an older snapshot land last.
      this.writing = this.writing.then(() => this.write());
    }, WRITE_DELAY_MS);
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const temporary = `${this.path}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(this.history.toJSON()) + "\n", { mode: 0o600 });
      await rename(temporary, this.path);
      if (this.lastError) this.logger.info(`history file ${this.path} is written again`);
      this.lastError = undefined;
    } catch (err) {
      // Say it once, not per message; the next change tries again.
      const problem = (err as Error).message;
      if (problem !== this.lastError) this.logger.error(`cannot write the history file: ${problem}`);
      this.lastError = problem;
      this.dirty = true;
    }
  }
}
