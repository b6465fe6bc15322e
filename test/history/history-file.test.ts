import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { History } from "../../src/history/history.js";
import { HistoryFile } from "../../src/history/history-file.js";
import { MessageIntake } from "../../src/history/intake.js";
import { LogCapture } from "../support/loopback.js";
import { waitFor } from "../support/wait.js";

const root = mkdtempSync(join(tmpdir(), "p2pchat-history-file-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(mkdtempSync(join(root, `case${++n}-`)), "history.json");

function open(path: string, logs = new LogCapture(), limit = 100) {
  const history = new History(limit);
  const logger = logs.logger("file");
  const intake = new MessageIntake(history, logger, undefined, { maxMessageBytes: 64 * 1024 });
  const file = new HistoryFile(path, history, (saved) => intake.restore(saved), logger);
  return { history, file, logs };
}

describe("HistoryFile", () => {
  it("writes the history a moment after a change and loads it back after a restart", async () => {
    const path = fresh();
    const first = open(path);
    first.file.load();
    first.file.watch();
    first.history.add("1707243010001", { peer_id: "a", message: "Příliš žluťoučký kůň 🐎" });
    first.history.addOwn("me", "mine");
    await waitFor(() => existsSync(path) && Object.keys(JSON.parse(readFileSync(path, "utf8"))).length === 2,
      { timeoutMs: 2_000, what: "the file written" });
    await first.file.close();

    const second = open(path);
    second.file.load();
    assert.deepEqual(second.history.toJSON(), first.history.toJSON());
    assert.ok(second.logs.has(/history: 2 messages loaded from/));
  });

  it("writes what is pending at close, at once", async () => {
    const path = fresh();
    const { history, file } = open(path);
    file.watch();
    history.add("1707243010002", { peer_id: "a", message: "last words" });
    await file.close();
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { "1707243010002": { peer_id: "a", message: "last words" } });
    assert.deepEqual(readdirSync(join(path, "..")), ["history.json"], "no temporary file left");
  });

  it("starts empty without a file", () => {
    const { history, file } = open(fresh());
    file.load();
    assert.equal(history.size, 0);
  });

  it("sets an unreadable file aside instead of losing it, and starts empty", () => {
    const path = fresh();
    writeFileSync(path, '{"1707243010003": {"peer_id": "a", "mess');
    const { history, file, logs } = open(path);
    file.load();
    assert.equal(history.size, 0);
    const aside = readdirSync(join(path, "..")).filter((f) => f.startsWith("history.json.unreadable-"));
    assert.equal(aside.length, 1);
    assert.equal(readFileSync(join(path, "..", aside[0] as string), "utf8"), '{"1707243010003": {"peer_id": "a", "mess');
    assert.ok(logs.has(/is not JSON .* moved to .* starting empty/));
  });

  it("keeps the valid entries of a file edited by hand and names the rest", () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify({
      "1707243010004": { peer_id: "a", message: "fine" },
      "42": { peer_id: "a", message: "short id" },
      "1707243010005": { peer_id: "a" },
    }));
    const { history, file, logs } = open(path);
    file.load();
    assert.deepEqual(Object.keys(history.toJSON()), ["1707243010004"]);
    assert.ok(logs.has(/skipped 2 invalid entries/));
  });

  it("says once when it cannot write, and keeps running", async () => {
    const path = join(root, "no-such-dir", "history.json");
    const { history, file, logs } = open(path);
    file.watch();
    history.add("1707243010006", { peer_id: "a", message: "x" });
    await waitFor(() => logs.has(/cannot write the history file/), { timeoutMs: 2_000, what: "the error" });
    history.add("1707243010007", { peer_id: "a", message: "y" });
    await file.close();
    assert.equal(logs.lines.filter((l) => /cannot write the history file/.test(l)).length, 1);
  });
});
