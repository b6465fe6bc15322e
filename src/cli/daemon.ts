import { describeChange } from "../config/reload.js";
import { ConfigError, EX_CONFIG, EX_PORT_IN_USE, EX_USAGE, loadConfig, UsageError } from "../config/load.js";
import type { Config } from "../config/types.js";
import { createLogger, underJournald, type Logger } from "../log/logger.js";
import { ChatNode, shownBroadcast } from "../node.js";
import { VERSION } from "../version.js";
import { lowerBackgroundThreads } from "./background-threads.js";
import type { CodeCacheUse } from "./compiled-script.js";
import { feedbackFromFirstCall } from "./eager-feedback.js";
import { notifySystemd, underSystemdNotify } from "./systemd-notify.js";
import { warmUpConnections } from "./warm-up.js";

/** How the daemon's code was compiled at this start (src/cli/compiled-script.ts), said at debug. */
const CODE_CACHE_USE: Record<CodeCacheUse, string> = {
  used: "daemon code read compiled from its code cache",
  refused: "daemon code compiled at start: node refused its code cache (another node version or other node flags than the build's; npm run build writes a new one)",
  absent: "daemon code compiled at start: no code cache beside it (npm run build writes one)",
};

/** Graceful stop must not hang on a peer that does not let go; systemd's TimeoutStopSec is longer. */
const SHUTDOWN_DEADLINE_MS = 4_000;

/**
 * Runs the peer until SIGTERM or SIGINT; exits the process on a config or start-up error. Under
 * systemd it reports readiness once UDP, TCP and HTTP all listen, and SIGHUP reloads the config.
 * `code`: how main.ts loaded the daemon's code (from its code cache or not), said at debug.
 */
export async function runDaemon(argv: string[], code?: { codeCache: CodeCacheUse }): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) exit(EX_CONFIG, `config error: ${err.message}`);
    if (err instanceof UsageError) exit(EX_USAGE, `${err.message}\nSee p2pchat --help.`);
    throw err;
  }
  const { config } = loaded;
  // The config is read once (and `util.parseArgs`, loaded at its first call, comes from Node's
  // cache before it): from here on is the code that takes peers in.
  feedbackFromFirstCall();
  const logger = createLogger({ level: config.log.level });
  logger.info(
    `p2pchat ${VERSION} starting as ${JSON.stringify(config.peerId)}: UDP/TCP port ${config.port}, ` +
      `broadcast ${shownBroadcast(config)}${staticPeers(config)}, HTTP ${config.http.bind}:${config.http.port}, ` +
      `config ${loaded.file ?? "none"}` + (loaded.chosen.length ? ` (defaults: ${loaded.chosen.join(", ")})` : ""),
  );
  if (code) logger.debug(CODE_CACHE_USE[code.codeCache]);
  logger.debug(`${lowerBackgroundThreads()} helper threads of V8 and libuv at the lowest CPU priority`);

  const node = new ChatNode(config, logger);
  const starting = node.start({ firstHello: "later" });

  // Handlers first: a SIGTERM that arrives while we start (a test, or systemd stopping a service
  // that is slow to come up) must still shut down cleanly, not kill us by its default action.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    setTimeout(() => exit(1, `shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms`, logger), SHUTDOWN_DEADLINE_MS).unref();
    starting.catch(() => {})
      .then(() => node.stop())
      .then(() => process.exit(0), (err: Error) => exit(1, `shutdown failed: ${err.message}`, logger));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGHUP", () => {
    if (!stopping) reload(argv, node, logger);
  });

  try {
    await starting;
  } catch (err) {
    const taken = portInUse(err, config);
    if (taken) exit(EX_PORT_IN_USE, taken, logger);
    exit(1, `cannot start: ${(err as Error).message}`, logger);
  }
  if (stopping) return;
  const bridge = node.bridgeView;
  logger.info(`listening: UDP and TCP on ${config.port}, HTTP on ${config.http.bind}:${config.http.port}` +
    (bridge ? `, bridge ${bridge.id} in room ${JSON.stringify(bridge.room)} on ${bridge.listen.join(", ") || "no address (dialling only)"}` : ""));
  // Only now, with every socket listening, may `systemctl start chat` return.
  void tellSystemd(["READY=1", `STATUS=${status(config)}`], logger);
  // Our first hello last: every peer that hears it answers and connects at once, and waits on
  // what we still do then. A line just logged is still to be written, for which Node makes
  // process.stderr (about 2 ms of a start; bench/analysis.md "Hello when done starting"); the
  // warm-up's sockets take turns of the loop, so the line is written before it ends. And Node's
  // connection code is compiled at its first call: over loopback, before anyone waits ("Warm
  // before the hello"; three connections, warm-up.ts says why).
  void warmUpConnections().then(({ ms, hellos, error }) => {
    logger.debug(error === undefined ? `connection code warmed up over loopback in ${ms.toFixed(1)} ms (${hellos} connections)`
      : `warm-up over loopback stopped after ${ms.toFixed(1)} ms: ${error}`);
    if (!stopping) node.sayHello();
  });
}

/**
 * SIGHUP: reads the config again, with the same flags, and applies what can change while running
 * (config/reload.ts). A config that does not load is reported in one line and changes nothing.
 */
function reload(argv: string[], node: ChatNode, logger: ReturnType<typeof createLogger>): void {
  let next: Config;
  try {
    next = loadConfig(argv).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.error(`SIGHUP: config not reloaded, running on as before: ${err.message}`);
    return;
  }
  const plan = node.reconfigure(next);
  logger.setLevel(node.config.log.level);
  const applied = plan.applied.map(describeChange);
  const waiting = plan.needRestart.map(describeChange);
  logger.info(`SIGHUP: config reloaded: ${applied.length ? `applied ${applied.join(", ")}` : "nothing to apply"}`);
  if (waiting.length) {
    logger.warn(`SIGHUP: restart to apply ${waiting.join(", ")} (running on the old values until then)`);
  }
  void tellSystemd([`STATUS=${status(node.config)}`], logger);
}

function status(config: Config): string {
  return `peer ${JSON.stringify(config.peerId)}: UDP/TCP ${config.port}, broadcast ${shownBroadcast(config)}${staticPeers(config)}, ` +
    `HTTP ${config.http.bind}:${config.http.port}`;
}

function staticPeers(config: Config): string {
  return config.peers.static.length === 0 ? "" : `, static peers ${config.peers.static.join(", ")}`;
}

async function tellSystemd(assignments: string[], logger: Logger): Promise<void> {
  if (!underSystemdNotify()) return;
  const outcome = await notifySystemd(assignments);
  if (outcome.sent) logger.debug(`told systemd ${assignments.join(" ")}`);
  // Without READY=1 systemd stops a Type=notify service after its start timeout: say why.
  else logger.error(`could not tell systemd ${assignments[0]}: ${outcome.reason}`);
}

/**
 * The one line for a port someone else holds (the raw `listen EADDRINUSE: address already in use
 * 0.0.0.0:9876` names neither the cause a newcomer meets, a second p2pchat, nor the way out).
 * undefined for any other error.
 */
export function portInUse(err: unknown, config: Config): string | undefined {
  const error = err as NodeJS.ErrnoException & { port?: unknown; address?: unknown };
  if (error?.code !== "EADDRINUSE") return undefined;
  const port = typeof error.port === "number" ? error.port : undefined;
  // UDP fails in bind(), TCP and HTTP in listen(); HTTP is told apart by its own port.
  const http = error.syscall === "listen" && port === config.http.port && port !== config.port;
  const where = http
    ? `HTTP port ${config.http.port} on ${config.http.bind}`
    : `port ${config.port} (UDP and TCP) on ${typeof error.address === "string" ? error.address : "0.0.0.0"}`;
  return `cannot start: ${where} is already in use. Is another p2pchat running? Try: p2pchat status. ` +
    `Or choose another port with ${http ? "--http-port" : "--port"}.`;
}

/**
 * Ends the process with one error line. Before the logger exists (a bad flag or config) the line
 * starts with "p2pchat: ", like every other CLI error; under journald it goes without (the journal
 * names the program on every line) and with its priority.
 */
function exit(code: number, text: string, logger?: Logger): never {
  if (logger) logger.error(text);
  else if (underJournald()) process.stderr.write(text.split("\n").map((line) => `<3>${line}`).join("\n") + "\n");
  else process.stderr.write(`p2pchat: ${text}\n`);
  process.exit(code);
}
