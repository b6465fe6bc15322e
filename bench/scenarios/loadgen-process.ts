// The harness's side of bench/loadgen.ts: starts it in a namespace and waits for its events.
import * as path from "node:path";
import { repoRoot, type Lan, type LanHost, type LanProcess } from "../../test/lan/netns.js";
import { sleep } from "../clock.js";
import type { Job } from "../loadgen.js";

const LOADGEN = path.join(repoRoot, "dist", "bench", "loadgen.js");

export type LoadgenEvent = Record<string, unknown> & { event: string; at: number };

export class LoadgenProcess {
  readonly process: LanProcess;
  private seen = 0;
  private readonly events: LoadgenEvent[] = [];

  constructor(lan: Lan, host: LanHost, job: Job) {
    this.process = lan.spawn(host, process.execPath, [LOADGEN, JSON.stringify(job)], { name: `${host.name}-loadgen-${job.mode}` });
  }

  /** Waits for the next event named `name` (earlier unread events are skipped). */
  async next(name: string, timeoutMs: number): Promise<LoadgenEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.read();
      const index = this.events.findIndex((e) => e.event === name || e.event === "error");
      if (index >= 0) {
        const [event] = this.events.splice(0, index + 1).slice(-1);
        if (event!.event === "error") throw new Error(`load generator failed: ${String(event!.message)}`);
        return event!;
      }
      if ((this.process as { done?: boolean }).done) {
        throw new Error(`load generator exited before "${name}": ${this.process.output().slice(-1000)}`);
      }
      if (performance.now() > deadline) throw new Error(`no "${name}" from the load generator within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  private read(): void {
    const lines = this.process.output().split("\n");
    // Only whole lines (the last may still be arriving); output() keeps the whole text here.
    const complete = lines.slice(0, -1).filter((l) => l.startsWith('{"event"'));
    for (const line of complete.slice(this.seen)) this.events.push(JSON.parse(line) as LoadgenEvent);
    this.seen = complete.length;
  }
}
