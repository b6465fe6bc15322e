import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { SystemFacts } from "../../src/config/defaults.js";
import { defaultConfig } from "../../src/config/load.js";
import { loadConfig } from "../../src/config/load.js";

const system: SystemFacts = {
  hostname: () => "lab-pc-7",
  networkInterfaces: () => ({
    lo: [{ address: "127.0.0.1", netmask: "255.0.0.0", family: "IPv4", mac: "00:00:00:00:00:00", internal: true, cidr: "127.0.0.1/8" }],
    eth0: [{ address: "198.18.30.40", netmask: "255.255.252.0", family: "IPv4", mac: "02:00:00:00:00:01", internal: false, cidr: "198.18.30.40/22" }],
  }),
};

describe("defaultConfig", () => {
  const empty = mkdtempSync(join(tmpdir(), "p2pchat-defaults-"));
  after(() => rmSync(empty, { recursive: true, force: true }));

  it("is exactly what the daemon runs with when no file and no flag says otherwise", () => {
    const loaded = loadConfig([], { cwd: empty, system });
    assert.equal(loaded.file, null);
    assert.deepEqual(defaultConfig(system), loaded.config);
  });

  it("takes the host name from the machine, and broadcasts on every LAN interface (read at each hello)", () => {
    const config = defaultConfig(system);
    assert.equal(config.peerId, "lab-pc-7");
    assert.equal(config.broadcastAddress, "");
  });

  it("hands out a fresh object each time, so one node's changes never reach another's", () => {
    const first = defaultConfig(system);
    first.tcp.ackTimeoutMs = 1;
    first.http.port = 1;
    assert.equal(defaultConfig(system).tcp.ackTimeoutMs, 5_000);
    assert.equal(defaultConfig(system).http.port, 8000);
  });
});
