import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { identityFileFor } from "../../src/bridge/identity-file.js";
import { decodePayload, encodePayload, roomMessageId } from "../../src/bridge/payload.js";
import { parseRoomKey, swarmKeyOf } from "../../src/bridge/room-key.js";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { parseTcpMultiaddr } from "../../src/config/values.js";

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "p2pchat-bridge-config-"));
after(() => rmSync(root, { recursive: true, force: true }));
const GOOD_KEY = join(root, "room.key");
writeFileSync(GOOD_KEY, "0123456789abcdef".repeat(4) + "\n");
const ID = "12D3KooWSvNPkdD3qTJPCrRm3d3Qx4rVggHTZ1a6BLR1oY8SCyJ4";

let dirs = 0;
function load(argv: string[], ini?: string) {
  const cwd = join(root, String(dirs++));
  mkdirSync(join(cwd, "config"), { recursive: true });
  if (ini !== undefined) writeFileSync(join(cwd, "config/config.ini"), ini);
  return loadConfig(argv, { cwd, system: { hostname: () => "vm", networkInterfaces: () => ({}) } });
}

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.doesNotMatch(err.message, /\n/);
    return err;
  }
  assert.fail("expected a ConfigError");
}

describe("[BRIDGE] settings", () => {
  it("leave the bridge off by default, and take every flag of the contract", () => {
    assert.deepEqual(load([]).config.bridge, { listen: [], peers: [], room: "p2pchat", keyFile: "", identityFile: "" });
    const { bridge } = load([
      "--bridge-listen", "/ip4/127.0.0.1/tcp/9877", "--bridge-listen", "/ip4/127.0.0.2/tcp/0",
      "--bridge-peer", `/ip4/198.18.0.2/tcp/9877/p2p/${ID}`, "--bridge-peer", "/ip4/198.18.0.3/tcp/9877",
      "--bridge-room", "class-7b", "--bridge-key-file", GOOD_KEY, "--bridge-identity-file", join(root, "id.key"),
    ]).config;
    assert.deepEqual(bridge, {
      listen: ["/ip4/127.0.0.1/tcp/9877", "/ip4/127.0.0.2/tcp/0"],
      peers: [`/ip4/198.18.0.2/tcp/9877/p2p/${ID}`, "/ip4/198.18.0.3/tcp/9877"],
      room: "class-7b", keyFile: GOOD_KEY, identityFile: join(root, "id.key"),
    });
  });

  it("refuse a bridge without a room key, in one line naming where it was turned on", () => {
    const flag = refusal(() => load(["--bridge-listen", "/ip4/127.0.0.1/tcp/9877"]));
    assert.equal(flag.file, "command line");
    assert.equal(flag.key, "--bridge-key-file");
    assert.equal(flag.value, "");
    assert.match(flag.expected, /64 hex characters.*the bridge is on \(--bridge-listen is set\)/);
    const file = refusal(() => load([], `[BRIDGE]\npeers = /ip4/198.18.0.2/tcp/9877\n`));
    assert.equal(file.file, "config/config.ini");
    assert.equal(file.key, "[BRIDGE] key_file");
    assert.match(file.message, /^config\/config\.ini: \[BRIDGE\] key_file = "": expected a file holding 64 hex characters/);
  });

  it("refuse a key file that does not hold a key, or is not there", () => {
    const bad = join(root, "bad.key");
    writeFileSync(bad, "not a key\n");
    const error = refusal(() => load(["--bridge-listen", "/ip4/127.0.0.1/tcp/9877", "--bridge-key-file", bad]));
    assert.equal(error.key, "--bridge-key-file");
    assert.equal(error.value, bad);
    assert.match(error.expected, /\(it does not hold 64 hex characters\)$/);
    const short = join(root, "short.key");
    writeFileSync(short, "ab".repeat(31));
    assert.match(refusal(() => load([`--bridge-key-file=${short}`])).expected, /does not hold 64 hex/);
    assert.match(refusal(() => load([], `[BRIDGE]\nkey_file = ${join(root, "missing.key")}\n`)).expected, /\(ENOENT\)$/);
  });

  it("refuse a multiaddr the bridge cannot use, and a bad room name", () => {
    for (const [flag, value] of [
      ["--bridge-peer", "/ip4/127.0.0.1/udp/9877"],
      ["--bridge-peer", "127.0.0.1:9877"],
      ["--bridge-peer", "/ip4/127.0.0.1/tcp/0"],
      ["--bridge-peer", "/ip4/127.0.0.1/tcp/9877/p2p/not-an-id!"],
      ["--bridge-listen", "/ip4/127.0.0.300/tcp/9877"],
      ["--bridge-listen", `/ip4/127.0.0.1/tcp/9877/p2p/${ID}`],
      ["--bridge-room", "two words"],
    ] as const) {
      const error = refusal(() => load([flag, value, "--bridge-key-file", GOOD_KEY]));
      assert.equal(error.key, flag);
      assert.equal(error.value, value);
    }
    assert.ok(parseTcpMultiaddr("/ip6/::1/tcp/9877", { portZero: false, peerId: true }));
    assert.ok(parseTcpMultiaddr("/dns4/school.example/tcp/9877", { portZero: false, peerId: true }));
  });

  it("stop the daemon with exit 78 and one line", () => {
    const run = spawnSync(process.execPath, [CLI, "--bridge-peer", "/ip4/127.0.0.1/tcp/9877"], { encoding: "utf8", cwd: root, timeout: 10_000 });
    assert.equal(run.status, 78, run.stderr);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /command line: --bridge-key-file = "": expected .*--bridge-peer is set/);
  });
});

describe("p2pchat bridge-key", () => {
  it("prints a fresh 64-hex key and a newline, one the config accepts", () => {
    const first = spawnSync(process.execPath, [CLI, "bridge-key"], { encoding: "utf8" });
    const second = spawnSync(process.execPath, [CLI, "bridge-key"], { encoding: "utf8" });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^[0-9a-f]{64}\n$/);
    assert.notEqual(first.stdout, second.stdout);
    const file = join(root, "made.key");
    writeFileSync(file, first.stdout);
    assert.equal(load(["--bridge-listen", "/ip4/127.0.0.1/tcp/0", "--bridge-key-file", file]).config.bridge.keyFile, file);
    assert.equal(spawnSync(process.execPath, [CLI, "bridge-key", "extra"], { encoding: "utf8" }).status, 64);
  });
});

describe("bridge pieces", () => {
  it("room key: 64 hex characters, in the swarm-key form of a libp2p private network", () => {
    assert.equal(parseRoomKey(" " + "AB".repeat(32) + "\r\n"), "ab".repeat(32));
    assert.equal(parseRoomKey("ab".repeat(33)), undefined);
    assert.equal(Buffer.from(swarmKeyOf("ab".repeat(32))).toString(), `/key/swarm/psk/1.0.0/\n/base16/\n${"ab".repeat(32)}`);
  });

  it("payload: a chat message by the protocol's rules; the room's message id is author and id", () => {
    const message = { id: "1707243010934", peer_id: "alice", message: "hi ✓" };
    assert.deepEqual(decodePayload(encodePayload(message), 100), { ok: true, message });
    assert.deepEqual(decodePayload(Buffer.from(JSON.stringify({ ...message, id: 1707243010934 })), 100), { ok: true, message });
    assert.equal(decodePayload(encodePayload({ ...message, message: "x".repeat(101) }), 100).ok, false);
    assert.equal(decodePayload(Buffer.from("[]"), 100).ok, false);
    assert.equal(decodePayload(Buffer.from(JSON.stringify({ ...message, peer_id: " " })), 100).ok, false);
    // Two bridges publishing one message give it one id in the room; another author, another id.
    const id = (m: typeof message) => Buffer.from(roomMessageId(encodePayload(m), 100, () => "fallback")).toString();
    assert.equal(id(message), id({ ...message }));
    assert.notEqual(id(message), id({ ...message, peer_id: "bob" }));
    assert.equal(Buffer.from(roomMessageId(Buffer.from("junk"), 100, () => "from/1")).toString(), "\u0000from/1");
  });

  it("identity file: the setting, else the state directory, else beside the history, else XDG", () => {
    const home = "/home/u";
    assert.equal(identityFileFor({ identityFile: "/x/id.key", historyFile: "/h/history.json" }, { STATE_DIRECTORY: "/s" }, home), "/x/id.key");
    assert.equal(identityFileFor({ identityFile: "", historyFile: "/h/history.json" }, { STATE_DIRECTORY: "/var/lib/p2pchat:/other" }, home),
      "/var/lib/p2pchat/bridge-identity.key");
    assert.equal(identityFileFor({ identityFile: "", historyFile: "/h/history.json" }, {}, home), "/h/bridge-identity.key");
    assert.equal(identityFileFor({ identityFile: "", historyFile: "" }, { XDG_STATE_HOME: "/xdg" }, home), "/xdg/p2pchat/bridge-identity.key");
    assert.equal(identityFileFor({ identityFile: "", historyFile: "" }, {}, home), "/home/u/.local/state/p2pchat/bridge-identity.key");
  });
});
