#!/usr/bin/env node
import { DAEMON_USAGE, runDaemon, VERSION } from "./daemon.js";

/** A subcommand: `p2pchat <name> ...`; run() returns the process exit code. */
interface Subcommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Loaded on demand, so `p2pchat` (the daemon) loads nothing it does not use. */
const SUBCOMMANDS: Record<string, () => Promise<Subcommand>> = {
  send: async () => (await import("./send.js")).command,
  messages: async () => (await import("./messages.js")).command,
  peers: async () => (await import("./peers.js")).command,
  status: async () => (await import("./status.js")).command,
  "install-service": () => import("./install-service.js"),
  probe: async () => (await import("./probe.js")).probe,
};

async function usage(): Promise<string> {
  const names = Object.keys(SUBCOMMANDS);
  const width = Math.max(...names.map((name) => name.length));
  const commands = await Promise.all(names.map(async (name) => {
    const { summary } = await (SUBCOMMANDS[name] as () => Promise<Subcommand>)();
    return `  ${name.padEnd(width)} ${summary}`;
  }));
  return [
    `p2pchat ${VERSION}: a peer of the classroom LAN chat protocol`,
    "",
    "Usage: p2pchat [flags]              run the peer",
    ...(names.length ? ["       p2pchat <command> [...]    talk to the running peer; see p2pchat <command> --help"] : []),
    "       p2pchat --help | --version",
    ...(names.length ? ["", "Commands:", ...commands] : []),
    "",
    DAEMON_USAGE,
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.hasOwn(SUBCOMMANDS, first)) {
    const command = await (SUBCOMMANDS[first] as () => Promise<Subcommand>)();
    process.exitCode = await command.run(rest);
    return;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write((await usage()) + "\n");
    return;
  }
  if (argv.includes("--version")) {
    process.stdout.write(VERSION + "\n");
    return;
  }
  if (first !== undefined && !first.startsWith("-")) {
    process.stderr.write(`p2pchat: unknown command ${JSON.stringify(first)}\nSee p2pchat --help.\n`);
    process.exitCode = 64;
    return;
  }
  await runDaemon(argv);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`p2pchat: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
