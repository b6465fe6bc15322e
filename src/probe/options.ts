// The command line of `p2pchat probe`.
import { randomBytes } from "node:crypto";
import { isIPv4 } from "node:net";
import { parseArgs } from "node:util";
import { isPeerId, MAX_PEER_ID_LENGTH } from "../protocol/peer-id.js";
import type { ProbeOptions } from "./context.js";

export const PROBE_USAGE = `Usage: p2pchat probe HOST [--json] [--http URL] [--port N] [--stress] [--timeout S]
                     [--bind ADDR] [--peer-id ID]

Checks the peer at HOST (any implementation) against the classroom chat protocol: the UDP hello
answer, the TCP hello and its history, new_message acks and storage, error replies to malformed
input, whether it connects back, its HTTP API; then, reported apart and not deciding the result,
whether it accepts CR LF, missing line ends, split, glued and pretty-printed frames, and how it
writes its own frames. Every check shows the bytes sent and received.

It sends a few frames and a few messages: the probe's messages land in the target's history, and
the one sent through GET /send goes to every peer the target is connected to. Nothing is flooded
unless --stress is given.

  --json         print the report as JSON
  --http URL     the target's HTTP API (default http://HOST:8000)
  --port N       the protocol port: the target's UDP and TCP port, and the probe's own (default 9876)
  --stress       add the heavy cases: 105 messages to test the history limit, a 256 KiB message,
                 a burst of 20 glued messages, a hello written one byte at a time
  --timeout S    longest wait for any one answer, in seconds (default 3)
  --bind ADDR    address of the probe's own sockets (default 0.0.0.0)
  --peer-id ID   the probe's peer_id (default probe-<random>)
  -h, --help     this help

The probe listens on the protocol port itself, to see the target connect back. If that port is
taken on this host (a peer already running here), that check is reported not applicable.

Exit codes: 0 every protocol check passed (or did not apply), 1 a protocol check failed,
2 the target could not be reached over TCP, or a usage error.`;

export class ProbeUsageError extends Error {}

export type ParsedProbeArgs = { help: true } | { help: false; json: boolean; options: ProbeOptions };

export const DEFAULT_TIMEOUT_S = 3;

export function parseProbeArgs(argv: string[]): ParsedProbeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean" },
        http: { type: "string" },
        port: { type: "string" },
        stress: { type: "boolean" },
        timeout: { type: "string" },
        bind: { type: "string" },
        "peer-id": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new ProbeUsageError((err as Error).message.split("\n")[0] ?? "bad arguments");
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (positionals.length !== 1) {
    throw new ProbeUsageError(positionals.length === 0 ? "which peer? give its HOST" : `one HOST only, got ${positionals.join(" ")}`);
  }
  const host = positionals[0] as string;
  if (host === "" || /[\s/]/.test(host)) throw new ProbeUsageError(`HOST ${JSON.stringify(host)}: expected an IPv4 address or a host name`);

  const port = values.port === undefined ? 9876 : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProbeUsageError(`--port ${JSON.stringify(values.port)}: expected an integer from 1 to 65535`);
  }
  const timeoutS = values.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS < 0.05 || timeoutS > 60) {
    throw new ProbeUsageError(`--timeout ${JSON.stringify(values.timeout)}: expected seconds from 0.05 to 60`);
  }
  const bindAddress = values.bind ?? "0.0.0.0";
  if (!isIPv4(bindAddress)) throw new ProbeUsageError(`--bind ${JSON.stringify(bindAddress)}: expected an IPv4 address`);
  const peerId = values["peer-id"] ?? `probe-${randomBytes(3).toString("hex")}`;
  // The peer's own rule (src/protocol/peer-id.ts), and no control characters: it is shown in reports.
  if (!isPeerId(peerId) || /[\u0000-\u001f\u007f]/.test(peerId)) {
    throw new ProbeUsageError(`--peer-id ${JSON.stringify(peerId)}: expected 1 to ${MAX_PEER_ID_LENGTH} characters, no control characters`);
  }

  let http: URL;
  try {
    http = new URL(values.http ?? `http://${host}:8000`);
  } catch {
    throw new ProbeUsageError(`--http ${JSON.stringify(values.http)}: expected a URL like http://192.168.1.20:8000`);
  }
  if (http.protocol !== "http:") throw new ProbeUsageError(`--http ${JSON.stringify(values.http)}: only http:// URLs`);

  return {
    help: false,
    json: values.json ?? false,
    options: { host, port, http, bindAddress, timeoutMs: Math.round(timeoutS * 1000), stress: values.stress ?? false, peerId },
  };
}
