/** `p2pchat install-service`: installs (or with --uninstall removes) the systemd service "chat". */
import { parseArgs } from "node:util";
import { APP_ROOT } from "../app-root.js";
import { install, InstallError, LAYOUT, uninstall } from "../service/install.js";

/** sysexits.h: a command line that makes no sense. */
const EX_USAGE = 64;

const USAGE = `Usage: sudo node dist/src/cli/main.js install-service [--no-start]
       sudo node dist/src/cli/main.js install-service --uninstall

Installs this built checkout as the systemd service "${LAYOUT.unit}", ready for
systemctl start/stop/reload/status ${LAYOUT.unit} and journalctl -fu ${LAYOUT.unit}:
  - the app (dist, package.json, production node_modules) in ${LAYOUT.appDir}
  - the system user ${LAYOUT.user}, which the service runs as (never root)
  - ${LAYOUT.configFile}, only if there is none: every key commented out (defaults)
  - ${LAYOUT.unitFile}; then systemd reloads, enables and (re)starts it
Running it again installs the current build and keeps the config.

  --no-start    install and enable, but do not start (to edit the config first)
  --uninstall   stop, disable and remove the service and ${LAYOUT.appDir};
                keeps ${LAYOUT.configFile} and the user ${LAYOUT.user}`;

/** The checkout this command runs from. */
const CHECKOUT = APP_ROOT;

export async function run(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: { uninstall: { type: "boolean" }, "no-start": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`p2pchat install-service: ${(err as Error).message.replace(/\s*\n\s*/g, " ")}\n${USAGE}\n`);
    return EX_USAGE;
  }
  if (flags.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (flags.uninstall && flags["no-start"]) {
    process.stderr.write("p2pchat install-service: --no-start makes no sense with --uninstall\n");
    return EX_USAGE;
  }
  const say = (line: string) => process.stdout.write(line + "\n");
  try {
    if (flags.uninstall) uninstall({ say });
    else install({ source: CHECKOUT, node: process.execPath, start: !flags["no-start"], say });
    return 0;
  } catch (err) {
    if (!(err instanceof InstallError)) throw err;
    process.stderr.write(`p2pchat install-service: ${err.message}\n`);
    return err.exitCode;
  }
}
