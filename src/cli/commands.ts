/**
 * The `p2pchat <name>` subcommands: what --help says of each, and how to load it. The summaries
 * live here rather than in each command's module so that --help loads no command at all.
 */

/** Runs the command with the arguments after its name; answers the process exit code. */
export type RunCommand = (argv: string[]) => Promise<number>;

export interface Subcommand {
  summary: string;
  /** Loads the command's module, and with it only what that command uses. */
  load(): Promise<RunCommand>;
}

export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  send: {
    summary: "send a message to everyone",
    load: async () => (await import("./send.js")).command.run,
  },
  messages: {
    summary: "print the chat history; --follow for new messages as they come",
    load: async () => (await import("./messages.js")).command.run,
  },
  peers: {
    summary: "list the peers, how they are connected, and what is wrong",
    load: async () => (await import("./peers.js")).command.run,
  },
  status: {
    summary: "is the daemon running, as whom, and how are its peers",
    load: async () => (await import("./status.js")).command.run,
  },
  "install-service": {
    // "chat" is LAYOUT.unit (src/service/install.ts); a test keeps the two the same.
    summary: 'install this build as the systemd service "chat" (or --uninstall it)',
    load: async () => (await import("./install-service.js")).run,
  },
  "bridge-key": {
    summary: "print a new room key for [BRIDGE] key_file: p2pchat bridge-key > room.key",
    load: async () => (await import("./bridge-key.js")).run,
  },
  probe: {
    summary: "check a peer (any implementation) against the protocol",
    load: async () => (await import("./probe.js")).probe.run,
  },
};
