import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FloodSummary } from "../../src/log/flood-summary.js";
import { createLogger } from "../../src/log/logger.js";

describe("FloodSummary: bounded logs under a flood", () => {
  it("writes the first lines of a kind per interval and sums up the rest in one line", () => {
    let now = 0;
    const lines: string[] = [];
    const logger = createLogger({ level: "info", journald: false, write: (line) => lines.push(line) });
    const throttle = new FloodSummary(logger, { linesPerInterval: 3, intervalMs: 60_000, now: () => now });
    for (let i = 0; i < 10_000; i++) throttle.write("info", "received:flood", "messages from flood", () => `message ${i} from flood`);
    throttle.write("info", "received:calm", "messages from calm", () => "message from calm");
    assert.equal(lines.length, 4);
    assert.equal(throttle.pending, 9_997);
    now += 60_000;
    throttle.flush();
    assert.equal(lines.length, 5);
    assert.match(lines[4] ?? "", /\.\.\. and 9997 more messages from flood in the last 60 s/);
    throttle.write("info", "received:flood", "messages from flood", () => "message 10000 from flood");
    assert.match(lines[5] ?? "", /message 10000 from flood/, "a new interval writes again");
  });

  it("builds no line for a level that is off", () => {
    const logger = createLogger({ level: "warn", journald: false, write: () => assert.fail("written") });
    const throttle = new FloodSummary(logger, { linesPerInterval: 1, intervalMs: 1_000 });
    throttle.write("info", "k", "x", () => assert.fail("built"));
  });
});
