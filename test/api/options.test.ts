import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveOptions } from "../../src/api/options.js";
import type { SystemFacts } from "../../src/config/defaults.js";
import { createChatNode, type ChatNodeOptions } from "../../src/index.js";

const system: SystemFacts = { hostname: () => "lab-pc-7", networkInterfaces: () => ({}) };

/** Options as plain JavaScript could pass them: the run-time checks are what is tested here. */
function fails(options: unknown, kind: typeof TypeError | typeof RangeError, message: RegExp): void {
  assert.throws(() => createChatNode(options as ChatNodeOptions), (err: unknown) => {
    assert.ok(err instanceof kind, `expected a ${kind.name}, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe("createChatNode options", () => {
  const dir = mkdtempSync(join(tmpdir(), "p2pchat-options-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("default to the daemon's settings, with no HTTP API and the host name as peer_id", () => {
    const { config, bindAddress, http, logger } = resolveOptions({}, system);
    assert.equal(config.peerId, "lab-pc-7");
    assert.equal(config.port, 9876);
    assert.equal(config.broadcastAddress, ""); // every LAN interface, read at each hello
    assert.equal(bindAddress, "0.0.0.0");
    assert.equal(http, false);
    assert.equal(config.history.file, "");
    assert.equal(logger, undefined);
  });

  it("lay every option over the defaults", () => {
    const { config, bindAddress, http } = resolveOptions({
      peerId: "bot",
      port: 19876,
      broadcastAddress: "198.18.1.255",
      bindAddress: "198.18.1.7",
      http: { port: 0, bind: "::1" },
      historyFile: join(dir, "history.json"),
    }, system);
    assert.deepEqual(
      [config.peerId, config.port, config.broadcastAddress, bindAddress, http, config.http, config.history.file],
      ["bot", 19876, "198.18.1.255", "198.18.1.7", true, { port: 0, bind: "::1" }, join(dir, "history.json")],
    );
  });

  it("keep the default HTTP port and address for what http: {} leaves out", () => {
    const { config, http } = resolveOptions({ http: {} }, system);
    assert.equal(http, true);
    assert.deepEqual(config.http, { port: 8000, bind: "127.0.0.1" });
  });

  it("make a relative historyFile absolute, against the working directory", () => {
    assert.equal(resolveOptions({ historyFile: "history.json" }, system).config.history.file, join(process.cwd(), "history.json"));
  });

  it("refuse a wrong type with a TypeError naming the option", () => {
    fails("bot", TypeError, /^createChatNode: options must be an object, got "bot"$/);
    fails({ peerId: 7 }, TypeError, /^options\.peerId: expected a string, got 7$/);
    fails({ port: "9876" }, TypeError, /^options\.port: expected an integer from 1 to 65535, got "9876"$/);
    fails({ broadcastAddress: null }, TypeError, /^options\.broadcastAddress: expected a dotted IPv4 address/);
    fails({ http: true }, TypeError, /^options\.http: expected false or an object \{ port\?, bind\? \}, got true$/);
    fails({ http: { port: "80" } }, TypeError, /^options\.http\.port: expected an integer from 0 to 65535/);
    fails({ historyFile: 1 }, TypeError, /^options\.historyFile: expected a file path, got 1$/);
    fails({ logger: { info() {} } }, TypeError, /^options\.logger: expected an object with methods error, warn, info, debug .* without error, warn, debug$/);
  });

  it("refuse a value out of range with a RangeError naming the option and what it expects", () => {
    fails({ peerId: "" }, RangeError, /^options\.peerId: expected a non-empty name of at most 256 characters without control characters, got ""$/);
    fails({ peerId: "a\nb" }, RangeError, /^options\.peerId: expected a non-empty name/);
    fails({ peerId: "x".repeat(257) }, RangeError, /^options\.peerId: /);
    fails({ port: 0 }, RangeError, /^options\.port: expected an integer from 1 to 65535, got 0$/);
    fails({ port: 9876.5 }, RangeError, /^options\.port: expected an integer from 1 to 65535, got 9876\.5$/);
    fails({ broadcastAddress: "192.168.1" }, RangeError, /^options\.broadcastAddress: expected a dotted IPv4 address such as 192\.168\.1\.255, got "192\.168\.1"$/);
    fails({ bindAddress: "::" }, RangeError, /^options\.bindAddress: expected a dotted IPv4 address such as 0\.0\.0\.0, got "::"$/);
    fails({ http: { port: 65_536 } }, RangeError, /^options\.http\.port: expected an integer from 0 to 65535, got 65536$/);
    fails({ http: { bind: "localhost" } }, RangeError, /^options\.http\.bind: expected an IPv4 or IPv6 address/);
    fails({ historyFile: "" }, RangeError, /^options\.historyFile: expected a file path \(leave the option out for memory only\)/);
    fails({ historyFile: join(dir, "no-such-dir", "h.json") }, RangeError, /^options\.historyFile: expected a file in an existing, writable directory \(ENOENT\)/);
  });

  it("name the host name when the default peer_id is what is wrong", () => {
    assert.throws(() => resolveOptions({}, { hostname: () => "", networkInterfaces: () => ({}) }),
      /^RangeError: options\.peerId \(default: the host name\): expected a non-empty name/);
  });

  it("refuse unknown options, so a typo is not silently ignored", () => {
    fails({ peerID: "bot" }, TypeError, /^options: unknown option "peerID" \(known: peerId, broadcastAddress, port, bindAddress, http, peers, historyFile, logger\)$/);
    fails({ http: { host: "127.0.0.1" } }, TypeError, /^options\.http: unknown option "host" \(known: port, bind\)$/);
  });

  it("take static peers as HOST[:PORT] strings", () => {
    assert.deepEqual(resolveOptions({ peers: [" 198.18.1.20", "gw.school.example:9877"] }, system).config.peers.static,
      ["198.18.1.20", "gw.school.example:9877"]);
    fails({ peers: "198.18.1.20" }, TypeError, /^options\.peers: expected an array of "HOST\[:PORT\]" strings/);
    fails({ peers: ["bad host"] }, RangeError, /^options\.peers: expected HOST\[:PORT\]/);
  });
  it("take several broadcast addresses separated by commas", () => {
    assert.equal(resolveOptions({ broadcastAddress: "198.18.1.255, 198.18.2.255" }, system).config.broadcastAddress,
      "198.18.1.255,198.18.2.255");
  });

  it("take console as a logger", () => {
    assert.equal(resolveOptions({ logger: console }, system).logger, console);
  });
});
