import type { BridgeView, HealthAnswer, PeersAnswer, PeerView } from "../http/wire.js";
import {
  DAEMON_ADDRESS_HELP, DAEMON_ADDRESS_OPTIONS, DaemonClient, daemonUrl, EXIT_CODES_HELP, parseCommandLine,
  runCommand, type CommandModule,
} from "./client.js";
import { ago, colourWanted, createStyle, safeJson, safeLine, table, truncate, wrap, type Style } from "./terminal.js";

const HELP = `Usage: p2pchat peers [--json] [flags]

Lists every peer the local daemon knows, and answers "why don't I see peer X?":
  PEER        its peer_id
  STATE       connected both ways (chat flows both ways); one way (our connection to it, or its
              to us, is missing, so messages flow one way only); not connected
  ADDRESS     where its TCP server is
  REACHED     how: "LAN eth0" (on the LAN of our interface eth0, found by its broadcast), "static
              HOST" (a --peer / [PEERS] static entry), "remembered" (connected before a restart),
              "routed" (it found us by unicast from another network)
  LAST SEEN   its last sign of life (UDP hello or answer, or its hello on TCP)
  PROBLEM     what is probably wrong, in plain words, and the last error
A peer that is not listed at all has never been heard: see p2pchat status for where our hellos go.
With a bridge ([BRIDGE] in the config), a second table lists the other sites' bridges: their
libp2p id, whether they are in the room with us, their address, since when, and the last error
("refused: not the same room key", "connection refused: no bridge listens there", ...).

  --json              the daemon's GET /peers answer: {"peers":[{"peer_id", "address", "state",
                      "outbound", "inbound", "last_seen", "last_error", "hint", ...}], and with a
                      bridge "bridge":{"id", "room", "listen", "peers":[{"id", "address",
                      "connected", "since", "lastError"}]}}
  -h, --help          this help

${DAEMON_ADDRESS_HELP}

${EXIT_CODES_HELP}`;

const STATE: Record<PeerView["state"], string> = {
  both: "connected both ways",
  "outbound-only": "one way (we → it)",
  "inbound-only": "one way (it → us)",
  none: "not connected",
  clash: "peer_id clash",
};

function stateCell(peer: PeerView, style: Style): string {
  const text = STATE[peer.state];
  return peer.state === "both" ? style.green(text) : peer.state === "none" ? style.red(text) : style.yellow(text);
}

/** How a peer is reached, in a few words (src/discovery/reach.ts). */
export function reachText(reach: PeerView["reach"]): string {
  switch (reach.kind) {
    case "interface": return `LAN ${reach.name}`;
    case "static": return `static ${reach.name}`;
    case "remembered": return "remembered";
    case "routed": return "routed";
  }
}

function problem(peer: PeerView): string {
  if (peer.state === "both") return peer.queued > 0 ? `${peer.queued} of our messages not acked yet` : "";
  const parts = [peer.hint ?? peer.summary];
  if (peer.last_error) parts.push(`(last error ${peer.last_error.code}: ${peer.last_error.message})`);
  return safeLine(parts.join(" "));
}

export const command: CommandModule = {
  run: (argv) => runCommand(async () => {
    const { values } = parseCommandLine("peers", argv, { ...DAEMON_ADDRESS_OPTIONS, json: { type: "boolean" } });
    if (values.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    const client = new DaemonClient(daemonUrl(values));
    const answer = await client.get<PeersAnswer>("/peers");
    if (values.json) {
      process.stdout.write(safeJson(answer, 2) + "\n");
      return 0;
    }
    const width = process.stdout.isTTY ? process.stdout.columns : undefined;
    const style = createStyle(colourWanted(process.stdout));
    const bridge = answer.bridge ? "\n" + bridgeTable(answer.bridge, style, width) + "\n" : "";
    if (answer.peers.length === 0) {
      const health = await client.get<HealthAnswer>("/health");
      const text = `No peers heard yet. Every ${health.discovery_interval_s} s this peer broadcasts a hello to ` +
        `${health.broadcast_address} on UDP ${health.port}; peers on the same LAN answer at once. If none does: ` +
        `are they on this network, is that the LAN's broadcast address, and does a firewall let UDP and TCP ` +
        `${health.port} through?`;
      process.stdout.write(wrap(text, width ?? Infinity).join("\n") + "\n" + bridge);
      return 0;
    }
    process.stdout.write(peersTable(answer.peers, style, width) + "\n" + bridge);
    return 0;
  }),
};

/** Our bridge to a libp2p room and the other sites' bridges (src/bridge/), for people. */
export function bridgeTable(bridge: BridgeView, style: Style, width?: number): string {
  const head = `Bridge ${safeLine(bridge.id)} in room ${safeLine(JSON.stringify(bridge.room))}, listening on ` +
    `${bridge.listen.map(safeLine).join(", ") || "nothing (it only dials)"}`;
  if (bridge.peers.length === 0) return `${head}\nNo other site's bridge yet: give them one of our addresses for their [BRIDGE] peers.`;
  const rows = bridge.peers.map((peer) => [
    peer.id === "" ? "(not reached yet)" : truncate(safeLine(peer.id), 24),
    peer.connected ? style.green("in the room") : style.red("not connected"),
    safeLine(peer.address),
    peer.since ? new Date(peer.since).toISOString().replace("T", " ").slice(0, 19) : "",
    peer.connected ? "" : safeLine(peer.lastError ?? ""),
  ]);
  return `${head}\n` + table(["BRIDGE", "STATE", "ADDRESS", "SINCE (UTC)", "PROBLEM"], rows, { style, ...(width ? { width } : {}) });
}

/** The peers as a table for people; the last column wraps to `width` when it is known. */
export function peersTable(peers: PeerView[], style: Style, width?: number): string {
  const rows = peers.map((peer) => [
    truncate(safeLine(peer.peer_id), 24),
    stateCell(peer, style),
    safeLine(peer.address),
    safeLine(reachText(peer.reach)),
    ago(peer.last_seen_ago_ms),
    problem(peer),
  ]);
  const header = ["PEER", "STATE", "ADDRESS", "REACHED", "LAST SEEN", "PROBLEM"];
  return table(header, rows, { style, ...(width ? { width } : {}) });
}
