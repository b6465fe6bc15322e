import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyReload, describeChange } from "../../src/config/reload.js";
import { KNOWN_KEYS } from "../../src/config/settings.js";
import type { Config } from "../../src/config/types.js";
import { testConfig } from "../support/loopback.js";

const base = (): Config => testConfig({ peerId: "a", port: 9876 });

/** A config in which every single setting differs from base(). */
function everythingChanged(): Config {
  const c = base();
  return {
    peerId: "b",
    port: 9877,
    broadcastAddress: "127.0.0.2",
    http: { port: c.http.port + 1, bind: "127.0.0.3" },
    discovery: {
      intervalMs: c.discovery.intervalMs + 1000,
      peerTimeoutMs: c.discovery.peerTimeoutMs + 1000,
      maxPeers: c.discovery.maxPeers + 1,
    },
    peers: { static: ["198.18.9.9:9877"], forgetAfterDays: c.peers.forgetAfterDays + 1 },
    history: {
      limit: c.history.limit + 1, maxMessageBytes: c.history.maxMessageBytes + 1, file: "elsewhere.json",
      maxIdAheadMs: c.history.maxIdAheadMs + 1000, peerRatePerSecond: c.history.peerRatePerSecond + 1, peerBurst: c.history.peerBurst + 1,
    },
    tcp: Object.fromEntries(Object.entries(c.tcp).map(([k, v]) => [k, v + 1000])) as unknown as Config["tcp"],
    log: { level: c.log.level === "info" ? "debug" : "info" },
    bridge: {
      listen: ["/ip4/127.0.0.1/tcp/1"], peers: ["/ip4/127.0.0.2/tcp/1"], room: "other", keyFile: "/k", identityFile: "/i",
    },
  };
}

describe("config reload", () => {
  it("accounts for every key of config.ini: each change is either applied or named for a restart", () => {
    const plan = applyReload(base(), everythingChanged());
    const named = [...plan.applied, ...plan.needRestart].map((c) => c.name).sort();
    const known = [...KNOWN_KEYS].flatMap(([section, keys]) => keys.map((key) => `[${section}] ${key}`)).sort();
    assert.deepEqual(named, known);
  });

  it("copies the live settings into the running config and leaves identity and sockets alone", () => {
    const running = base();
    const next = everythingChanged();
    const plan = applyReload(running, next);
    assert.deepEqual(plan.needRestart.map((c) => c.name).sort(), [
      "[BRIDGE] identity_file", "[BRIDGE] key_file", "[BRIDGE] listen", "[BRIDGE] peers", "[BRIDGE] room", "[HISTORY] file", "[HTTP] bind", "[HTTP] port", "[NETWORK_INFO] peer_id", "[NETWORK_INFO] port", "[TCP] retry_max", "[TCP] retry_min",
    ]);
    const before = base();
    // Kept until a restart:
    assert.equal(running.peerId, before.peerId);
    assert.equal(running.port, before.port);
    assert.deepEqual(running.http, before.http);
    assert.equal(running.tcp.retryMinMs, before.tcp.retryMinMs);
    assert.equal(running.tcp.retryMaxMs, before.tcp.retryMaxMs);
    assert.equal(running.history.file, before.history.file);
    assert.deepEqual(running.bridge, before.bridge);
    // Taken over:
    assert.equal(running.broadcastAddress, next.broadcastAddress);
    assert.deepEqual(running.discovery, next.discovery);
    assert.deepEqual(running.history, { ...next.history, file: before.history.file });
    assert.deepEqual(running.log, next.log);
    assert.equal(running.tcp.ackTimeoutMs, next.tcp.ackTimeoutMs);
    assert.equal(running.tcp.maxFrameBytes, next.tcp.maxFrameBytes);
  });

  it("reports nothing when nothing changed, and shows durations in seconds as the file has them", () => {
    assert.deepEqual(applyReload(base(), base()), { applied: [], needRestart: [] });
    const next = base();
    next.discovery.intervalMs = 2500;
    next.log.level = "warn";
    const plan = applyReload(base(), next);
    assert.deepEqual(plan.applied.map(describeChange), ["[DISCOVERY] interval 60 -> 2.5", '[LOG] level "debug" -> "warn"']);
  });
});
