/**
 * The daemon's command line: its flags (made from the settings table, each overriding one key of
 * the file) and their --help text.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";
import { COMMAND_LINE_ORDER, type Setting } from "./settings.js";
import { wrapWords } from "./wrap.js";

/** Read from the working directory when no --config is given; absent, the defaults apply. */
export const DEFAULT_FILE = "config/config.ini";

/** The settings that have a flag, in the order --help lists them. */
export const FLAG_SETTINGS: ReadonlyArray<Setting & { flag: NonNullable<Setting["flag"]> }> =
  COMMAND_LINE_ORDER.filter((s): s is Setting & { flag: NonNullable<Setting["flag"]> } => s.flag !== undefined);

type Options = Record<string, { type: "string"; multiple?: boolean }>;

const FLAG_OPTIONS: Options = {
  config: { type: "string" },
  ...Object.fromEntries(FLAG_SETTINGS.map((s) => [s.flag.name, { type: "string", multiple: s.flag.repeatable === true } as const])),
};

/** `--config` and each setting's flag, as given. */
export interface Flags {
  config: string | undefined;
  /** Keyed by flag name (`http-port`). */
  values: ReadonlyMap<string, string>;
}

export function parseFlags(argv: string[]): Flags {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAG_OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) throw err;
    // Node's own wording is good, but some of it spans lines.
    let message = (err as Error).message.replace(/\s*\n\s*/g, " ");
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      message += ` (known: ${Object.keys(FLAG_OPTIONS).map((f) => `--${f}`).join(", ")})`;
    }
    throw new UsageError(message);
  }
  const given = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    // A repeatable flag (--peer a --peer b) is one list, as the file writes it: "a, b".
    if (typeof value === "string") given.set(name, value);
    else if (Array.isArray(value)) given.set(name, value.join(", "));
  }
  const config = given.get("config");
  given.delete("config");
  return { config, values: given };
}

const HELP_COLUMN = 22;
const HELP_WIDTH = 100;

/** `  --port N            text`, the text wrapped under itself. */
function helpLine(usage: string, text: string): string {
  const [first = "", ...rest] = wrapWords(text, HELP_WIDTH - HELP_COLUMN);
  const indented = rest.map((line) => " ".repeat(HELP_COLUMN) + line);
  // A usage too long for the column gets a line of its own, and its text starts below it.
  if (usage.length > HELP_COLUMN - 3) return [`  ${usage}`, " ".repeat(HELP_COLUMN) + first, ...indented].join("\n");
  return [`  ${usage.padEnd(HELP_COLUMN - 3)} ${first}`, ...indented].join("\n");
}

/** The daemon's flags for --help, one line each. */
export const DAEMON_FLAGS_HELP = [
  helpLine("--config PATH", `config file (default: ${DEFAULT_FILE})`),
  ...FLAG_SETTINGS.map((s) => helpLine(`--${s.flag.name} ${s.flag.arg}`, `${s.description} (default: ${s.defaultShown})`)),
  "  (--flag=value works as well as --flag value)",
].join("\n");
