import { readFileSync } from "node:fs";
import { ConfigError, DAEMON_FLAGS_HELP, EX_CONFIG, EX_USAGE, loadConfig, UsageError } from "../config/load.js";
import { createLogger } from "../log/logger.js";
import { ChatNode } from "../node.js";

export const VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
}).version;

export const DAEMON_USAGE = `Run the peer: UDP discovery and TCP on 9876, HTTP API on 8000.

Flags override config/config.ini (or the file given with --config):
${DAEMON_FLAGS_HELP}

HTTP API: GET /messages, GET /send?message=<text>  (e.g. curl http://127.0.0.1:8000/messages);
the chat page at http://127.0.0.1:8000/, and GET /peers, /health, /events, POST /send.`;

/** Graceful stop must not hang on a peer that does not let go. */
const SHUTDOWN_DEADLINE_MS = 4_000;

/** Runs the peer until SIGTERM or SIGINT; exits the process on a config or start-up error. */
export async function runDaemon(argv: string[]): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(argv);
  } catch (err) {
    if (err instanceof ConfigError) exit(EX_CONFIG, `config error: ${err.message}`);
    if (err instanceof UsageError) exit(EX_USAGE, `${err.message}\nSee p2pchat --help.`);
    throw err;
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.log.level });
  logger.info(
    `p2pchat ${VERSION} starting as ${JSON.stringify(config.peerId)}: UDP/TCP port ${config.port}, ` +
      `broadcast ${config.broadcastAddress}, HTTP ${config.http.bind}:${config.http.port}, ` +
      `config ${loaded.file ?? "none"}` + (loaded.chosen.length ? ` (defaults: ${loaded.chosen.join(", ")})` : ""),
  );

  const node = new ChatNode(config, logger);
  try {
    await node.start();
  } catch (err) {
    exit(1, `cannot start: ${(err as Error).message}`, logger);
  }
  logger.info(`listening: UDP and TCP on ${config.port}, HTTP on ${config.http.bind}:${config.http.port}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down`);
    setTimeout(() => exit(1, `shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms`, logger), SHUTDOWN_DEADLINE_MS).unref();
    node.stop().then(() => process.exit(0), (err: Error) => exit(1, `shutdown failed: ${err.message}`, logger));
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

function exit(code: number, line: string, logger?: ReturnType<typeof createLogger>): never {
  if (logger) logger.error(line);
  else process.stderr.write(line + "\n");
  process.exit(code);
}

