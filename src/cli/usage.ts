/** `p2pchat --help`: the commands and the daemon's flags, without loading either. */
import { DAEMON_FLAGS_HELP } from "../config/flags.js";
import { VERSION } from "../version.js";
import { SUBCOMMANDS } from "./commands.js";

export const DAEMON_USAGE = `Run the peer: UDP discovery and TCP on 9876, HTTP API on 8000.

Flags override config/config.ini (or the file given with --config); every setting is in
docs/configuration.md:
${DAEMON_FLAGS_HELP}

HTTP API: GET /messages, GET /send?message=<text>  (e.g. curl http://127.0.0.1:8000/messages);
the chat page at http://127.0.0.1:8000/, and GET /peers, /health, /events, POST /send.

Signals: SIGTERM or SIGINT stops the peer (exit 0); SIGHUP re-reads the config file.
Exit codes: 0 stopped by a signal; 1 could not start; 64 bad command line; 75 a port is in use
(another p2pchat?); 78 bad config file or flag.`;

export function usage(): string {
  const names = Object.keys(SUBCOMMANDS);
  const width = Math.max(...names.map((name) => name.length));
  const commands = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)} ${summary}`);
  return [
    `p2pchat ${VERSION}: a peer of the classroom LAN chat protocol`,
    "",
    "Usage: p2pchat [flags]              run the peer",
    "       p2pchat <command> [...]    talk to the running peer; see p2pchat <command> --help",
    "       p2pchat --help | --version",
    "",
    "Commands:",
    ...commands,
    "",
    DAEMON_USAGE,
  ].join("\n");
}
