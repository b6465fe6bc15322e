// `p2pchat probe HOST`: checks another peer against the protocol and prints the report.
import { PROBE_USAGE, parseProbeArgs, ProbeUsageError } from "../probe/options.js";
import { renderJson, renderText } from "../probe/render.js";
import { EXIT_UNREACHABLE } from "../probe/report.js";
import { ProbeSetupError, runProbe } from "../probe/run.js";

export const probe = {
  async run(argv: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseProbeArgs(argv);
    } catch (err) {
      if (!(err instanceof ProbeUsageError)) throw err;
      process.stderr.write(`p2pchat probe: ${err.message}\nSee p2pchat probe --help.\n`);
      return EXIT_UNREACHABLE;
    }
    if (parsed.help) {
      process.stdout.write(PROBE_USAGE + "\n");
      return 0;
    }
    try {
      const report = await runProbe(parsed.options);
      process.stdout.write(parsed.json ? renderJson(report) : renderText(report));
      return report.exitCode;
    } catch (err) {
      if (!(err instanceof ProbeSetupError)) throw err;
      process.stderr.write(`p2pchat probe: ${err.message}\n`);
      return EXIT_UNREACHABLE;
    }
  },
};
