import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaptLogger } from "../../src/api/logger.js";

describe("the library's logger adapter", () => {
  it("passes each level on to the user's logger, called as a method", () => {
    const lines: string[] = [];
    const user = {
      prefix: "bot",
      error(m: string) { lines.push(`${this.prefix} error ${m}`); },
      warn(m: string) { lines.push(`${this.prefix} warn ${m}`); },
      info(m: string) { lines.push(`${this.prefix} info ${m}`); },
      debug(m: string) { lines.push(`${this.prefix} debug ${m}`); },
    };
    const logger = adaptLogger(user);
    logger.error("e");
    logger.warn("w");
    logger.info("i");
    logger.debug("d");
    assert.deepEqual(lines, ["bot error e", "bot warn w", "bot info i", "bot debug d"]);
    assert.equal(logger.enabled("debug"), true);
  });

  it("keeps one event on one line, whatever a peer put into the text", () => {
    const lines: string[] = [];
    const logger = adaptLogger({ error: (m) => lines.push(m), warn: (m) => lines.push(m), info: (m) => lines.push(m), debug: (m) => lines.push(m) });
    logger.warn('peer "x\r\n2026-01-01 error forged" said hello\n');
    assert.deepEqual(lines, ['peer "x 2026-01-01 error forged" said hello ']);
  });

  it("survives a logger that throws", () => {
    const logger = adaptLogger({
      error: () => { throw new Error("disk full"); },
      warn: () => { throw new Error("disk full"); },
      info: () => { throw new Error("disk full"); },
      debug: () => { throw new Error("disk full"); },
    });
    assert.doesNotThrow(() => logger.error("still running"));
  });

  it("is silent without a logger", () => {
    const logger = adaptLogger(undefined);
    assert.equal(logger.enabled("error"), false);
    assert.doesNotThrow(() => logger.info("nowhere"));
  });
});
