#!/usr/bin/env -S node --no-memory-reducer
// The node flag (the same in `npm start` and deploy/chat.service: test/cli/node-flags.test.ts):
// --no-memory-reducer: V8's memory reducer runs full collections in the idle seconds after a
// start, most of an idle peer's CPU; it is read when the heap is set up, so
// v8.setFlagsFromString() here would be too late (bench/analysis.md "Idle CPU"). The daemon's
// other V8 flag, feedback from a function's first call, is set from inside once its code has
// loaded (src/cli/eager-feedback.ts says why not here).
// The daemon's chunk is loaded compiled whole, from its code cache (src/cli/compiled-script.ts).
/**
 * `p2pchat`: runs the peer, or one of its subcommands. Everything past this file is imported only
 * when it is needed: --version reads package.json and nothing else, --help loads no command, and
 * a subcommand never loads the daemon.
 */
import { EX_USAGE } from "../config/errors.js";
import { VERSION } from "../version.js";
import { SUBCOMMANDS } from "./commands.js";
import { loadCompiledScript } from "./compiled-script.js";

/** The daemon, bundled as a script (scripts/bundle.mjs) so that V8's code cache can hold it. */
const DAEMON_SCRIPT = new URL("./chunks/daemon.cjs", import.meta.url);

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first !== undefined && Object.hasOwn(SUBCOMMANDS, first)) {
    const run = await (SUBCOMMANDS[first] as (typeof SUBCOMMANDS)[string]).load();
    process.exitCode = await run(rest);
    return;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    const { usage } = await import("./usage.js");
    process.stdout.write(usage() + "\n");
    return;
  }
  if (argv.includes("--version")) {
    process.stdout.write(VERSION + "\n");
    return;
  }
  if (first !== undefined && !first.startsWith("-")) {
    process.stderr.write(`p2pchat: unknown command ${JSON.stringify(first)}\nSee p2pchat --help.\n`);
    process.exitCode = EX_USAGE;
    return;
  }
  const daemon = await loadCompiledScript<typeof import("./daemon.js")>(DAEMON_SCRIPT);
  await daemon.exports.runDaemon(argv, daemon);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`p2pchat: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
