import type { ChatMessage } from "../history/history.js";
import type { HealthAnswer, HistoryAnswer, MessageEvent } from "../http/wire.js";
import {
  DAEMON_ADDRESS_HELP, DAEMON_ADDRESS_OPTIONS, DaemonClient, daemonUrl, EXIT_CODES_HELP, parseCommandLine,
  runCommand, type CommandModule,
} from "./client.js";
import {
  colourWanted, createStyle, displayWidth, messageDay, messageTime, safeJson, safeLine, safeText, table, truncate, type Style,
} from "./terminal.js";

const HELP = `Usage: p2pchat messages [--follow] [--json] [flags]

Prints the chat history the local daemon holds (the newest 100 by default), oldest first:
time, sender and text. Text from peers is shown as text: control characters, escape
sequences and bidi overrides are printed as visible stand-ins (␛, <U+202E>), never obeyed.

  -f, --follow        keep printing new messages as they arrive (Ctrl-C stops); if the daemon
                      goes away, waits for it and goes on where it left off
  --json              one JSON object per line, {"id":"...","peer_id":"...","message":"..."},
                      for scripts and jq (also with --follow)
  -h, --help          this help

${DAEMON_ADDRESS_HELP}

${EXIT_CODES_HELP}
With --follow the command runs until stopped; it exits 69 only if the daemon is not there at the start.`;

const FROM_WIDTH = 20;
/** Ids printed so far, to print each message once across reconnects; bounded like a history. */
const REMEMBERED = 10_000;

class Printer {
  private readonly printed = new Set<string>();
  private lastDay: string | undefined;

  constructor(private readonly json: boolean, private readonly style: Style, private readonly ownId: string | undefined) {}

  print(messages: MessageEvent[]): void {
    const fresh = messages.filter((m) => !this.printed.has(m.id));
    if (fresh.length === 0) return;
    for (const m of fresh) {
      this.printed.add(m.id);
      if (this.printed.size > REMEMBERED) this.printed.delete(this.printed.values().next().value as string);
    }
    if (this.json) {
      process.stdout.write(fresh.map((m) => safeJson({ id: m.id, peer_id: m.peer_id, message: m.message, ...(m.via ? { via: m.via } : {}) }) + "\n").join(""));
      return;
    }
    const width = process.stdout.isTTY ? process.stdout.columns : undefined;
    let out = "";
    for (const m of fresh) {
      // Times are of the day; a line names the day when it changes (and first, unless it is today).
      const day = messageDay(m.id);
      if (day !== this.lastDay && (this.lastDay !== undefined || day !== messageDay(String(Date.now())))) {
        out += this.style.dim(`── ${day ?? "?"} ──`) + "\n";
      }
      this.lastDay = day;
      out += table(undefined, [this.row(m)], { ...(width ? { width } : {}) }) + "\n";
    }
    process.stdout.write(out);
  }

  /** Time, sender, text; fixed widths keep the history and the followed messages in line. */
  private row(m: MessageEvent): string[] {
    const { style } = this;
    const from = truncate(safeLine(m.peer_id), FROM_WIDTH);
    const shown = m.peer_id === this.ownId ? style.bold(from) : style.byName(m.peer_id, from);
    // The host that delivered it: a peer_id is only a claim (PROTOCOL.md "Some peers relay").
    const via = m.via ? " " + style.dim(`(via ${safeLine(m.via)})`) : "";
    return [style.dim(messageTime(m.id) ?? "?".padEnd(8)), shown + " ".repeat(FROM_WIDTH - displayWidth(from)), safeText(m.message) + via];
  }
}

/** The daemon's history with the host behind each message (GET /history), or, from a peer that
 *  has no such endpoint, the protocol's GET /messages. */
async function history(client: DaemonClient): Promise<MessageEvent[]> {
  const listed = await client.getIfThere<HistoryAnswer>("/history");
  if (listed && Array.isArray(listed.messages)) return listed.messages;
  return byId(await client.get<Record<string, ChatMessage>>("/messages"));
}

function byId(history: Record<string, ChatMessage>): MessageEvent[] {
  // GET /messages is oldest first already (PROTOCOL.md §4); sorting keeps that true for any daemon.
  return Object.entries(history)
    .map(([id, m]) => ({ id, peer_id: m.peer_id, message: m.message }))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
}

export const command: CommandModule = {
  run: (argv) => runCommand(async () => {
    const { values } = parseCommandLine("messages", argv, {
      ...DAEMON_ADDRESS_OPTIONS,
      json: { type: "boolean" },
      follow: { type: "boolean", short: "f" },
    });
    if (values.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    const client = new DaemonClient(daemonUrl(values));
    const style = createStyle(colourWanted(process.stdout));
    // Only to show our own messages in bold: a peer without /health (another program) still has /messages.
    const health = await client.getIfThere<HealthAnswer>("/health");
    const printer = new Printer(values.json === true, style, health?.peer_id);

    if (!values.follow) {
      printer.print(await history(client));
      return 0;
    }
    await follow(client, printer);
    return 0;
  }),
};

/** Prints the history, then each new message; reconnects (and catches up) when the daemon restarts. */
async function follow(client: DaemonClient, printer: Printer): Promise<never> {
  let first = true;
  for (;;) {
    try {
      // Stream first, history second: a message arriving in between is in one of them, and the
      // printer prints each id once.
      const events = await client.events();
      printer.print(await history(client));
      if (!first) process.stderr.write("p2pchat: reconnected to the daemon\n");
      for await (const event of events) {
        if (event.event === "message") printer.print([JSON.parse(event.data) as MessageEvent]);
      }
      process.stderr.write(`p2pchat: the daemon at ${client.origin} closed the stream; waiting for it…\n`);
    } catch (err) {
      if (first) throw err;
    }
    first = false;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
