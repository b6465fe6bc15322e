import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { createLogger } from "../../src/log/logger.js";
import { RememberedPeers, rememberedFileFor } from "../../src/peers/remembered.js";

const quiet = createLogger({ level: "error", write: () => {} });
const DAY = 86_400_000;

describe("remembered peers", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "p2pchat-remembered-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("live beside the history file", () => {
    assert.equal(rememberedFileFor("/var/lib/p2pchat/history.json"), "/var/lib/p2pchat/history.peers.json");
    assert.equal(rememberedFileFor("/tmp/chat"), "/tmp/chat.peers.json");
  });

  it("survive a restart, and are forgotten after forget_after_days unseen", () => {
    const file = path.join(dir, "a.peers.json");
    let now = 1_700_000_000_000;
    const store = new RememberedPeers(file, 7 * DAY, quiet, () => now);
    store.record("far", "198.18.5.1");
    now += DAY;
    store.record("near", "198.18.1.2");
    store.save();
    now += 6.5 * DAY;
    const again = new RememberedPeers(file, 7 * DAY, quiet, () => now);
    assert.deepEqual(again.load().map((p) => p.peerId), ["near"], "far was last seen 7.5 days ago");
    again.save();
    assert.deepEqual((JSON.parse(readFileSync(file, "utf8")) as { peers: unknown[] }).peers.length, 1);
  });

  it("skip unusable entries and an unreadable file, and write nothing when nothing changed", () => {
    const file = path.join(dir, "b.peers.json");
    const now = () => 1_700_000_000_000;
    writeFileSync(file, JSON.stringify({ peers: [{ peerId: "ok", host: "198.18.1.2", lastSeen: now() },
      { peerId: "", host: "198.18.1.3", lastSeen: now() }, { peerId: "x", host: "not an ip", lastSeen: now() }] }));
    assert.deepEqual(new RememberedPeers(file, DAY, quiet, now).load().map((p) => p.peerId), ["ok"]);
    writeFileSync(file, "{ garbage");
    const store = new RememberedPeers(file, DAY, quiet, now);
    assert.deepEqual(store.load(), []);
    store.save();
    assert.equal(readFileSync(file, "utf8"), "{ garbage", "not rewritten without a change");
  });
});
