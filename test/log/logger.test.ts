import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { createLogger, underJournald } from "../../src/log/logger.js";

describe("logger", () => {
  it("prefixes each line with its syslog priority under journald", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", journald: true, write: (l) => lines.push(l) });
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    assert.deepEqual(lines, ["<3>e", "<4>w", "<6>i", "<7>d"]);
  });

  it("writes a timestamp and the level in a terminal, and drops what is below the level", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", journald: false, write: (l) => lines.push(l) });
    logger.debug("hidden");
    logger.info("shown");
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^\d{4}-\d\d-\d\dT\S+Z info  shown$/);
    assert.equal(logger.enabled("debug"), false);
  });

  it("changes its level while running", () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", journald: true, write: (l) => lines.push(l) });
    logger.debug("hidden");
    logger.setLevel("debug");
    logger.debug("shown");
    logger.setLevel("error");
    logger.warn("hidden too");
    assert.deepEqual(lines, ["<7>shown"]);
    assert.equal(logger.enabled("warn"), false);
  });

  it("keeps one event on one line, whatever a peer put in it", () => {
    const lines: string[] = [];
    createLogger({ level: "info", journald: true, write: (l) => lines.push(l) }).info("peer found: evil\n<3>forged\r\nline");
    assert.deepEqual(lines, ["<6>peer found: evil <3>forged line"]);
  });

  it("writes to stderr in order, a burst in one go, and loses nothing when the process exits at once", () => {
    // A child process logs a burst, then a line on a later turn, then exits before the burst's
    // write would have happened: every line must still be on its stderr, in order.
    const logger = new URL("../../src/log/logger.js", import.meta.url).href;
    const script = `
      import { createLogger } from ${JSON.stringify(logger)};
      const log = createLogger({ level: "info", journald: true });
      for (let i = 0; i < 3; i++) log.info("burst " + i);
      setTimeout(() => {
        log.warn("later");
        log.error("last words");
        process.exit(3);
      }, 20);`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 10_000 });
    assert.equal(child.status, 3);
    assert.equal(child.stderr, "<6>burst 0\n<6>burst 1\n<6>burst 2\n<4>later\n<3>last words\n");
  });

  it("detects journald by JOURNAL_STREAM", () => {
    assert.equal(underJournald({ JOURNAL_STREAM: "8:12345" }), true);
    assert.equal(underJournald({}), false);
  });
});
