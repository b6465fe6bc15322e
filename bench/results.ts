// The shape of bench/results.json: everything one run measured, as RESULTS.md and the charts read it.
import type { Impl } from "./impl.js";
import type { Machine } from "./machine.js";
import type { Plan, Scenario } from "./plan.js";
import type { BridgeResult } from "./scenarios/bridge.js";
import type { DeliveryResult } from "./scenarios/delivery.js";
import type { FanoutResult } from "./scenarios/fanout.js";
import type { FloorResult } from "./scenarios/floor.js";
import type { IngestResult } from "./scenarios/ingest.js";
import type { ManyResult } from "./scenarios/many.js";
import type { MeshResult } from "./scenarios/mesh.js";
import type { NewcomerRound } from "./scenarios/newcomer.js";
import type { CliTiming, NpmStartTiming, StartupResult } from "./scenarios/startup.js";

export interface RunError {
  scenario: Scenario;
  impl: Impl | "node" | "python" | "all";
  size?: number;
  message: string;
}

export interface Results {
  /** Bumped when the shape changes. */
  format: 1;
  command: string;
  plan: Plan;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  machine: Machine;
  /** How busy the machine's cores were (all of them, %) in the 2 s before the run: other work. */
  busyBeforePercent: number;
  /** Load average when the run ended. */
  loadAverageAfter: number[];
  /** Wall clock vs the harness's clock at the end (ms); large = the clock was stepped. */
  clockSkewMs: number;
  /** Kernel limits raised for the run (bench/sysctl.ts), e.g. the ARP table's size. */
  kernelLimitsRaised: string[];
  /** The runtimes' floor: a bare TCP peer in Node.js and in Python. */
  floor: FloorResult[];
  /** Start-up beside the floor (a bare Node.js script with the three sockets) and the reference
   *  peer; absent in results from before the scenario existed. */
  startup?: StartupResult[];
  /** `p2pchat --version` and `--help` against `node -e 0`. */
  cli?: CliTiming[];
  /** `npm start` on the unchanged tree, to its HTTP API's first answer. */
  npmStart?: NpmStartTiming;
  mesh: MeshResult[];
  /** A newcomer to a settled room: every round of every implementation (absent in runs from before it). */
  newcomer?: NewcomerRound[];
  delivery: DeliveryResult[];
  /** Every round of every implementation (see plan.ingest.repeats). */
  ingest: IngestResult[];
  /** The same load against the bare Node.js ack server: what the load generator allows at all. */
  ingestCeiling: IngestResult[];
  fanout: FanoutResult[];
  many: ManyResult[];
  /** Latency across the libp2p bridge between two sites (absent in runs from before it). */
  bridge?: BridgeResult[];
  errors: RunError[];
}
