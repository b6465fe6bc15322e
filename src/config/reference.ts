/**
 * The settings table written out for people: config/config.example.ini and docs/configuration.md.
 * `npm run gen:config` writes both; a test keeps the committed files identical to what this
 * renders, so the documents cannot drift from what the loader does. Not loaded by the daemon.
 */
import { DEFAULT_FILE, FLAG_SETTINGS } from "./flags.js";
import { ConfigError, EX_CONFIG } from "./errors.js";
import { ORDER_RULES, SECTIONS, SETTINGS, settingAt, type Section, type Setting } from "./settings.js";
import { wrapWords } from "./wrap.js";

const WIDTH = 100;

/** docs/protocol.md §5: every peer of the class has this file, and it must load as it is. */
const SEED_FILE = ["[NETWORK_INFO]", "port = 9876", "broadcast_address = 172.31.255.255", "peer_id = cesar-peer"];

const SECTION_PURPOSE: Record<Section, string> = {
  NETWORK_INFO: "who we are on the LAN and where we talk: the seed's section",
  HTTP: "the HTTP API and the chat page",
  DISCOVERY: "UDP hellos, and how long a peer counts as there",
  PEERS: "peers beyond the broadcast: static ones, and those remembered across restarts",
  HISTORY: "the messages kept",
  TCP: "connections to and from peers: timeouts, backoff and limits",
  LOG: "what is logged",
  BRIDGE: "the optional bridge that joins this LAN to a libp2p room with other sites",
};

const FLAG_LIST = FLAG_SETTINGS.map((s) => `--${s.flag.name} ${s.flag.arg}`).join(", ");

/** The file's rules, the same in both documents. */
const RULES = [
  "Section and key names are case-insensitive: [network_info] works as well as [NETWORK_INFO].",
  "An unknown section or key, or a value that does not fit, stops p2pchat with one line naming the file, "
    + `the key, the value and what is expected (exit status ${EX_CONFIG}; systemd does not restart it).`,
  "Durations are in seconds and may have decimals (0.5 is half a second).",
  "A line starting with ; or # is a comment, and so is the rest of a line from a ; or #. To put those "
    + 'characters in a value, quote it: peer_id = "team#1".',
  `Command-line flags override the file: ${FLAG_LIST}.`,
  "SIGHUP (systemctl reload chat) re-reads the file: most keys apply at once; the log names those that "
    + "need a restart, and the running peer keeps their old values until then.",
];

/** The rules between keys that concern this one, in the words of an error: "at least [TCP] retry_min". */
function orderLimits(setting: Setting): string[] {
  return ORDER_RULES.flatMap((rule) => [
    ...(rule.high === setting ? [`at least ${rule.low.name}`] : []),
    ...(rule.low === setting ? [`at most ${rule.high.name}`] : []),
  ]);
}

function accepted(setting: Setting): string {
  return [setting.expected, ...orderLimits(setting)].join("; ");
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** What a SIGHUP does with a changed value. */
function onReload(setting: Setting): string {
  return setting.reload === "applied" ? "SIGHUP applies it at once" : "only a restart applies it";
}

/** The value line of the example file: the default, or for a machine's default an example of one. */
function exampleValue(setting: Setting): string {
  if (typeof setting.default !== "string") return setting.default.example;
  return setting.default === "" ? '""' : setting.default;
}

function comment(text: string): string[] {
  return wrapWords(text, WIDTH - 2).map((line) => `; ${line}`);
}

export function renderExampleIni(): string {
  const lines = [
    "; p2pchat configuration: every key, its default and what it means. Made from the settings table",
    "; (src/config/settings.ts) by `npm run gen:config`: edit the table, not this file.",
    "; docs/configuration.md has the same at more length.",
    ";",
    ...comment(`p2pchat reads ${DEFAULT_FILE} (relative to the directory it is started in), or the file given `
      + "with --config PATH. With no file at all it runs on the defaults below, and its first log line says "
      + "which values it chose by itself (peer_id, broadcast address)."),
    ";",
    ...comment("Every key is optional. Each is shown commented out with its default value: copy this file to "
      + `${DEFAULT_FILE} and uncomment what you want to change.`),
    ";",
    ...RULES.flatMap((rule) => wrapWords(rule, WIDTH - 4).map((line, i) => (i === 0 ? `; - ${line}` : `;   ${line}`))),
    ";",
    "; The smallest useful file is the one every peer of the class has:",
    ...SEED_FILE.map((line) => `;   ${line}`),
  ];
  for (const section of SECTIONS) {
    lines.push("", `[${section}]`);
    SETTINGS.filter((s) => s.section === section).forEach((setting, i) => {
      if (i > 0) lines.push("");
      const facts = [
        `Accepted: ${accepted(setting)}.`,
        ...(typeof setting.default === "string" ? [] : [`Default: ${setting.default.described}.`]),
        ...(setting.flag ? [`Flag: --${setting.flag.name} ${setting.flag.arg}.`] : []),
        `${sentence(onReload(setting))}`,
      ];
      lines.push(
        ...comment([sentence(setting.description), setting.notes ?? ""].join(" ")),
        ...comment(facts.join(" ")),
        `;${setting.key} = ${exampleValue(setting)}`,
      );
    });
  }
  return lines.join("\n") + "\n";
}


/** Markdown table cell: pipes would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function code(text: string): string {
  return `\`${text}\``;
}

function shownDefault(setting: Setting): string {
  if (typeof setting.default !== "string") return setting.default.described;
  if (setting.default === "") return setting.defaultShown;
  return code(setting.default) + (setting.unit === "seconds" ? " s" : "");
}

export function renderReferenceMarkdown(): string {
  const out: string[] = [
    "# Configuration reference",
    "",
    "<!-- Made from src/config/settings.ts by `npm run gen:config`; a test keeps it in step. Edit the table, not this page. -->",
    "",
    `p2pchat takes its settings from three places, each overriding the one before: the defaults, the INI file `
      + `${code(DEFAULT_FILE)} (relative to the working directory; \`--config PATH\` names another), and `
      + "command-line flags. Without a file it runs on the defaults, and its first log line says what it "
      + "chose by itself (peer_id, broadcast address). [`config/config.example.ini`](../config/config.example.ini) "
      + "has every key commented out with its default, ready to copy.",
    "",
    "The seed's file loads exactly as it is:",
    "",
    "```ini",
    ...SEED_FILE,
    "```",
    "",
    "## The file",
    "",
    ...RULES.map((rule) => `- ${rule}`),
    "",
    "A mistake reads, for example:",
    "",
    "```",
    `config error: ${new ConfigError(DEFAULT_FILE, "[NETWORK_INFO] port", "99999", settingAt("NETWORK_INFO", "port").expected).message}`,
    "```",
    "",
    "## Command-line flags",
    "",
    "`--flag=value` works as well as `--flag value`. A flag's value is checked like the key's in the file.",
    "",
    "| flag | sets | default |",
    "|---|---|---|",
    `| \`--config PATH\` | the file to read | ${code(DEFAULT_FILE)} |`,
    ...FLAG_SETTINGS.map((s) => `| \`--${s.flag.name} ${s.flag.arg}\` | ${code(s.name)} | ${cell(shownDefault(s))} |`),
    "",
    "## Reloading (SIGHUP)",
    "",
    "`systemctl reload chat` (or `kill -HUP`) re-reads the file with the same flags. A file that does not load "
      + "is reported in one line and changes nothing. Otherwise the running peer takes over these at once:",
    "",
    listNames(SETTINGS.filter((s) => s.reload === "applied")),
    "",
    "These are bound into a socket or into who we are on the LAN, or read once at start: the log names "
      + "them when they changed, and the running peer keeps their old values until it is restarted:",
    "",
    listNames(SETTINGS.filter((s) => s.reload === "restart")),
    "",
    "## Rules between keys",
    "",
    ...ORDER_RULES.map((rule) => `- ${code(rule.low.name)} ≤ ${code(rule.high.name)}: ${rule.why}.`),
    "",
    "The error names the larger key, or the smaller one if only that one was written.",
  ];
  for (const section of SECTIONS) {
    const settings = SETTINGS.filter((s) => s.section === section);
    out.push(
      "",
      `## [${section}]`,
      "",
      `${sentence(SECTION_PURPOSE[section])}`,
      "",
      "| key | default | accepted | flag | on SIGHUP |",
      "|---|---|---|---|---|",
      ...settings.map((s) => `| ${code(s.key)} | ${cell(shownDefault(s))} | ${cell(accepted(s))} | `
        + `${s.flag ? code(`--${s.flag.name}`) : ""} | ${s.reload === "applied" ? "applied" : "restart"} |`),
      "",
      ...settings.map((s) => `- ${code(s.key)}: ${sentence(s.description)}${s.notes ? ` ${s.notes}` : ""}`),
    );
  }
  return out.join("\n") + "\n";
}

function listNames(settings: readonly Setting[]): string {
  return settings.map((s) => code(s.name)).join(", ") + ".";
}
