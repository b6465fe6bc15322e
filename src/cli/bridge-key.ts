/**
 * `p2pchat bridge-key`: prints a new room key (32 random bytes as 64 hex characters) and a
 * newline, for [BRIDGE] key_file. Every site of a room gets a copy of the same file.
 */
import { randomBytes } from "node:crypto";

const USAGE = `Usage: p2pchat bridge-key > room.key

Prints a new room key: 64 hex characters (32 random bytes) and a newline. Put the file on
every host that bridges into the room, and name it in [BRIDGE] key_file (or --bridge-key-file);
only bridges holding the same key can connect. Keep it secret: chmod 600 room.key.`;

/** sysexits.h: a command line that makes no sense. */
const EX_USAGE = 64;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`p2pchat bridge-key: takes no arguments, got ${JSON.stringify(argv.join(" "))}\n${USAGE}\n`);
    return EX_USAGE;
  }
  process.stdout.write(randomBytes(32).toString("hex") + "\n");
  return 0;
}
