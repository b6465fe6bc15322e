import type { HealthAnswer } from "../http/wire.js";
import {
  CliError, DAEMON_ADDRESS_HELP, DAEMON_ADDRESS_OPTIONS, DaemonClient, daemonUrl, EX_UNAVAILABLE, EXIT_CODES_HELP,
  parseCommandLine, runCommand, type CommandModule,
} from "./client.js";
import { colourWanted, createStyle, duration, safeJson, safeLine, table } from "./terminal.js";

const HELP = `Usage: p2pchat status [--json] [flags]

Says whether the local daemon is running, and how: its peer_id, version, uptime, addresses,
how many messages it holds and how its peers are connected. Exit code 0 when it runs, 69 when
it does not: usable in scripts as 'p2pchat status >/dev/null && ...'.

  --json              {"running":true} and the daemon's GET /health answer: {"running":true,
                      "status":"ok","peer_id":...,"uptime_s":...,"messages":...,"peers":{"known":...,
                      "both":...,"one_way":...,"not_connected":...}}; when it does not run (exit 69)
                      {"running":false,"url":"http://127.0.0.1:8000/","error":"..."}
  -h, --help          this help

${DAEMON_ADDRESS_HELP}

${EXIT_CODES_HELP}`;

/** `12D3KooW... in room "p2pchat": 1 of 2 sites connected (p2pchat peers says why)`. */
function bridgeLine(bridge: NonNullable<HealthAnswer["bridge"]>, style: ReturnType<typeof createStyle>): string {
  const down = bridge.peers - bridge.connected;
  const text = `${safeLine(bridge.id)} in room ${safeLine(JSON.stringify(bridge.room))}: ` +
    `${bridge.connected} of ${bridge.peers} other site${bridge.peers === 1 ? "" : "s"} connected` + (down > 0 ? " (p2pchat peers says why)" : "");
  return down > 0 ? style.yellow(text) : text;
}

export const command: CommandModule = {
  run: (argv) => runCommand(async () => {
    const { values } = parseCommandLine("status", argv, { ...DAEMON_ADDRESS_OPTIONS, json: { type: "boolean" } });
    if (values.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    const client = new DaemonClient(daemonUrl(values));
    let health: HealthAnswer;
    try {
      health = await client.get<HealthAnswer>("/health");
    } catch (err) {
      // A script reading --json gets an answer on stdout in every case it can act on: "not
      // running" is one (the line on stderr says the same for a person).
      if (values.json && err instanceof CliError && err.exitCode === EX_UNAVAILABLE) {
        const error = err.message.replace(/^p2pchat: /, "");
        process.stdout.write(safeJson({ running: false, url: client.base.href, error }, 2) + "\n");
      }
      throw err;
    }
    if (values.json) {
      process.stdout.write(safeJson({ running: true, ...health }, 2) + "\n");
      return 0;
    }
    const style = createStyle(colourWanted(process.stdout));
    const { peers } = health;
    const problems = peers.one_way + peers.not_connected + (peers.clash ?? 0);
    const peerLine = peers.known === 0
      ? "none heard yet (see p2pchat peers)"
      : `${peers.known} known: ${peers.both} connected both ways, ${peers.one_way} one way, ${peers.not_connected} not connected` +
        (peers.clash ? `, ${peers.clash} peer_id clash${peers.clash === 1 ? "" : "es"}` : "") +
        (problems > 0 ? " (p2pchat peers says why)" : "");
    const lines = [
      `p2pchat ${safeLine(health.version)} is ${style.green("running")} as ${style.bold(safeLine(health.peer_id))} ` +
        `(up ${duration(health.uptime_s)})`,
      table(undefined, [
        ["  chat page", `${client.origin}/`],
        ["  protocol", `UDP and TCP ${health.port}; hellos to ${safeLine(health.broadcast_address)} every ${health.discovery_interval_s} s`],
        ["  messages", `${health.messages} (keeps the newest ${health.history_limit})`],
        ["  peers", problems > 0 ? style.yellow(peerLine) : peerLine],
        ...(health.bridge ? [["  bridge", bridgeLine(health.bridge, style)]] : []),
      ]),
    ];
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  }),
};
