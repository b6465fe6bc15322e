import { EX_USAGE } from "../config/load.js";
import type { SendAnswer } from "../http/wire.js";
import {
  CliError, DAEMON_ADDRESS_HELP, DAEMON_ADDRESS_OPTIONS, DaemonClient, daemonUrl, EXIT_CODES_HELP,
  parseCommandLine, runCommand, type CommandModule,
} from "./client.js";
import { safeJson } from "./terminal.js";

const HELP = `Usage: p2pchat send [flags] TEXT...
       COMMAND | p2pchat send [flags]

Sends TEXT as your message to everyone: the local daemon stores it and sends it to every peer.
The words of TEXT are joined with spaces. Without TEXT, the message is read from standard input
(one trailing newline is dropped), so 'fortune | p2pchat send' works.

  --json              print the daemon's answer as JSON: {"status":"ok","message_id":"..."}
  -h, --help          this help

${DAEMON_ADDRESS_HELP}

${EXIT_CODES_HELP}

Example: p2pchat send "Ahoj všichni 👋"`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new CliError("p2pchat send: standard input is not UTF-8 text", EX_USAGE);
  }
}

export const command: CommandModule = {
  run: (argv) => runCommand(async () => {
    const { values, positionals } = parseCommandLine("send", argv, { ...DAEMON_ADDRESS_OPTIONS, json: { type: "boolean" } }, true);
    if (values.help) {
      process.stdout.write(HELP + "\n");
      return 0;
    }
    let text: string;
    if (positionals.length > 0) text = positionals.join(" ");
    else if (!process.stdin.isTTY) text = (await readStdin()).replace(/\r?\n$/, "");
    else throw new CliError("p2pchat send: nothing to send: give the text, e.g. p2pchat send \"hello\"\nSee p2pchat send --help.", EX_USAGE);
    if (text.trim() === "") throw new CliError("p2pchat send: the message is empty: nothing sent", EX_USAGE);

    const client = new DaemonClient(daemonUrl(values));
    const answer = await client.post<SendAnswer>("/send", { message: text });
    process.stdout.write(values.json ? safeJson(answer) + "\n" : `sent (message id ${answer.message_id})\n`);
    return 0;
  }),
};
