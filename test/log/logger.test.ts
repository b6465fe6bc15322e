import assert from "node:assert/strict";
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

  it("detects journald by JOURNAL_STREAM", () => {
    assert.equal(underJournald({ JOURNAL_STREAM: "8:12345" }), true);
    assert.equal(underJournald({}), false);
  });
});
