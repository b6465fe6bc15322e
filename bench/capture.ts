// Packet capture of one LAN's protocol traffic with tcpdump (Debian package `tcpdump`), fed
// through PcapReader and WireObserver as it arrives. tcpdump runs in the root namespace on the
// "any" pseudo-interface, where every frame crossing the LAN's bridge is seen twice: entering the
// bridge from the sender's veth ("in") and leaving it on the receiver's ("out"). Only the "in"
// copy is followed, so each packet counts once and is timestamped as it leaves its sender.
import { spawn, type ChildProcess } from "node:child_process";
import { PcapReader, type Packet } from "./pcap.js";
import { WireObserver, type WireEvent, type WireStats } from "./wire.js";

export interface CaptureOptions {
  /** The LAN's subnet, e.g. "198.18.37.0/24": nothing else is captured. */
  subnet: string;
  /** Also decode UDP discovery hellos (mesh formation). */
  udp?: boolean;
}

export interface CaptureResult {
  events: WireEvent[];
  stats: WireStats & { kernelDrops: number | undefined; skipped: number };
}

/** Captures still running, killed if the benchmark exits early (they run outside the LANs). */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export class Capture {
  readonly events: WireEvent[] = [];
  private readonly child: ChildProcess;
  private readonly reader = new PcapReader();
  private readonly observer: WireObserver;
  private readonly listeners = new Set<(event: WireEvent) => void>();
  private stderr = "";
  private readonly ended: Promise<void>;
  private failure: Error | undefined;

  private constructor(options: CaptureOptions, started: () => void) {
    // In the kernel: only the "in" copy, only this LAN, only protocol segments that carry bytes or
    // open/close a connection (the bare TCP ACKs are half the packets and say nothing we need).
    const payload = "(ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)) > 0";
    const tcp = `tcp port 9876 and ((tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst)) != 0 or ${payload})`;
    const filter = `inbound and net ${options.subnet} and ((${tcp})${options.udp ? " or udp dst port 9876" : ""})`;
    // -U: each packet is written as it is captured, so events arrive while the scenario runs.
    // -B: a 64 MiB kernel buffer, so bursts of tens of thousands of packets a second are not lost.
    this.child = spawn("tcpdump", ["-i", "any", "-n", "-U", "-s", "0", "-B", "65536", "-w", "-", filter], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.observer = new WireObserver((packet: Packet) => packet.direction !== "out");
    this.child.stdout!.on("data", (chunk: Buffer) => {
      try {
        for (const packet of this.reader.push(chunk)) {
          for (const event of this.observer.push(packet)) {
            this.events.push(event);
            for (const listener of this.listeners) listener(event);
          }
        }
      } catch (error) {
        this.failure = error as Error;
        this.child.kill("SIGKILL");
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      // tcpdump says "listening on any, ..." once the capture is armed.
      if (/listening on/.test(this.stderr)) started();
    });
    running.add(this.child);
    this.ended = new Promise((resolve) => this.child.on("close", () => {
      running.delete(this.child);
      resolve();
    }));
    this.child.on("error", (error) => {
      this.failure = error;
    });
  }

  /** Starts tcpdump and resolves once it captures. */
  static async start(options: CaptureOptions): Promise<Capture> {
    let capture: Capture | undefined;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${capture?.stderr.trim()}`)), 5_000);
      capture = new Capture(options, () => {
        clearTimeout(timer);
        resolve();
      });
      capture.ended.then(() => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited: ${capture?.failure?.message ?? capture?.stderr.trim()}`));
      }, () => undefined);
    });
    return capture!;
  }

  /** Calls `listener` for every event from now on; returns a function that stops it. */
  onEvent(listener: (event: WireEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops tcpdump (it flushes what it holds) and returns everything seen and the loss counts. */
  async stop(): Promise<CaptureResult> {
    this.child.kill("SIGINT");
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 3_000);
    await this.ended;
    clearTimeout(killer);
    if (this.failure) throw new Error(`packet capture failed: ${this.failure.message}`);
    const drops = /(\d+) packets? dropped by kernel/.exec(this.stderr);
    return {
      events: this.events,
      stats: { ...this.observer.stats, kernelDrops: drops ? Number(drops[1]) : undefined, skipped: this.reader.skipped },
    };
  }

  /** For exit paths: no waiting. */
  kill(): void {
    this.child.kill("SIGKILL");
  }
}
