import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { NetworkInterfaceInfo } from "node:os";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import {
  ConfigError,
  DAEMON_FLAGS_HELP,
  EX_CONFIG,
  EX_USAGE,
  loadConfig,
  UsageError,
  type LoadedConfig,
  type SystemFacts,
} from "../../src/config/load.js";
import { expectedOf, KNOWN_KEYS } from "../../src/config/settings.js";
import type { Config } from "../../src/config/types.js";

/** The seed's config file, exactly as docs/protocol.md §5 shows it (its first ```ini block). */
const PROTOCOL_MD = new URL("../../../docs/protocol.md", import.meta.url);
const SEED = /```ini\n([\s\S]*?)```/.exec(readFileSync(PROTOCOL_MD, "utf8"))?.[1] ?? "";
const SEED_BROADCAST = /broadcast_address = (\S+)/.exec(SEED)?.[1] ?? "";

const EXAMPLE_FILE = new URL("../../../config/config.example.ini", import.meta.url);

const root = mkdtempSync(join(tmpdir(), "p2pchat-config-"));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
/** A fresh working directory; with `ini`, it holds config/config.ini (or `name`) with that text. */
function workdir(ini?: string, name = "config/config.ini"): string {
  const dir = join(root, String(dirs++));
  mkdirSync(dir);
  if (ini !== undefined) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), ini);
  }
  return dir;
}

function v4(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: "IPv4", mac: "02:00:00:00:00:01", internal, cidr: null };
}
function v6(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: "ffff:ffff:ffff:ffff::", family: "IPv6", mac: "02:00:00:00:00:01", internal, cidr: null, scopeid: 0 };
}

const LOOPBACK = { lo: [v4("127.0.0.1", "255.0.0.0", true), v6("::1", true)] };

function fakeSystem(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = { ...LOOPBACK, eth0: [v4("198.18.0.7", "255.255.255.0")] },
  hostname = "vm",
): SystemFacts {
  return { hostname: () => hostname, networkInterfaces: () => interfaces };
}

function load(argv: string[], ini?: string, system = fakeSystem()): LoadedConfig {
  return loadConfig(argv, { cwd: workdir(ini), system });
}

const DEFAULTS: Config = {
  peerId: "vm",
  port: 9876,
  broadcastAddress: "",
  http: { port: 8000, bind: "127.0.0.1" },
  discovery: { intervalMs: 5000, peerTimeoutMs: 15000, maxPeers: 1000 },
  peers: { static: [], forgetAfterDays: 7 },
  history: { limit: 100, maxMessageBytes: 65536, file: "", maxIdAheadMs: 300_000, peerRatePerSecond: 10, peerBurst: 200 },
  tcp: {
    connectTimeoutMs: 3000,
    helloTimeoutMs: 5000,
    ackTimeoutMs: 5000,
    retryMinMs: 250,
    retryMaxMs: 10000,
    maxFrameBytes: 1048576,
    maxHelloReplyBytes: 8388608,
    helloReplyBudgetBytes: 1048576,
    maxSendAttempts: 5,
    maxQueuedMessages: 1000,
    introTimeoutMs: 10000,
    maxWriteBufferBytes: 16777216,
    maxConnections: 2048,
    maxConnectionsPerAddress: 8,
  },
  log: { level: "info" },
  bridge: { listen: [], peers: [], room: "p2pchat", keyFile: "", identityFile: "" },
};

/** Runs `fn`, expecting a ConfigError with exactly these parts and the one-line message they make. */
function assertConfigError(
  fn: () => unknown,
  want: { file: string; key: string; value: string; expected: string | RegExp },
): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.file, want.file);
  assert.equal(caught.key, want.key);
  assert.equal(caught.value, want.value);
  if (typeof want.expected === "string") assert.equal(caught.expected, want.expected);
  else assert.match(caught.expected, want.expected);
  assert.equal(caught.message, `${want.file}: ${want.key} = ${JSON.stringify(want.value)}: expected ${caught.expected}`);
  assert.doesNotMatch(caught.message, /[\r\n]/);
  return caught;
}

const PORT = "an integer from 1 to 65535";
const SECONDS = "a number of seconds from 0.01 to 86400";
const FILE = "config/config.ini";

describe("loadConfig: the file", () => {
  it("loads the seed's file as is", () => {
    const cwd = workdir(SEED);
    const loaded = loadConfig([], { cwd, system: fakeSystem() });
    assert.match(SEED, /^\[NETWORK_INFO\]\nport = 9876\nbroadcast_address = \S+\npeer_id = cesar-peer\n$/);
    assert.deepEqual(loaded.config, { ...DEFAULTS, peerId: "cesar-peer", broadcastAddress: SEED_BROADCAST });
    assert.equal(loaded.file, join(cwd, FILE));
    assert.deepEqual(loaded.chosen, []);
  });

  it("reads every key", () => {
    const keyFile = join(root, "every-key-room.key");
    writeFileSync(keyFile, `${"Ab".repeat(32)}\n`);
    const { config } = load([], `
[NETWORK_INFO]
port = 19876
broadcast_address = 198.19.7.255
peer_id = alice
[HTTP]
port = 18000
bind = ::
[DISCOVERY]
interval = 0.5
peer_timeout = 2.25
max_peers = 50
[PEERS]
static = 198.18.7.1, peer.example:9000
forget_after_days = 2
[HISTORY]
limit = 7
max_message_bytes = 900
file = ${join(root, "history.json")}
max_id_ahead = 60
peer_rate = 3
peer_burst = 30
[TCP]
connect_timeout = 1
hello_timeout = 2
ack_timeout = 3.5
retry_min = 0.01
retry_max = 86400
max_frame_bytes = 1000
max_hello_reply_bytes = 2000
hello_reply_budget = 1500
max_send_attempts = 9
max_queued_messages = 77
intro_timeout = 4
max_write_buffer_bytes = 5000
max_connections = 40
max_connections_per_address = 3
[LOG]
level = debug
[BRIDGE]
listen = /ip4/127.0.0.1/tcp/0, /ip6/::1/tcp/9877
peers = /ip4/198.18.0.9/tcp/9877/p2p/12D3KooWSvNPkdD3qTJPCrRm3d3Qx4rVggHTZ1a6BLR1oY8SCyJ4, /dns4/peer.example/tcp/9877
room = class-7b
key_file = ${keyFile}
identity_file = ${join(root, "bridge-id.key")}
`);
    assert.deepEqual(config, {
      peerId: "alice",
      port: 19876,
      broadcastAddress: "198.19.7.255",
      http: { port: 18000, bind: "::" },
      discovery: { intervalMs: 500, peerTimeoutMs: 2250, maxPeers: 50 },
      peers: { static: ["198.18.7.1", "peer.example:9000"], forgetAfterDays: 2 },
      history: { limit: 7, maxMessageBytes: 900, file: join(root, "history.json"), maxIdAheadMs: 60_000, peerRatePerSecond: 3, peerBurst: 30 },
      tcp: {
        connectTimeoutMs: 1000,
        helloTimeoutMs: 2000,
        ackTimeoutMs: 3500,
        retryMinMs: 10,
        retryMaxMs: 86_400_000,
        maxFrameBytes: 1000,
        maxHelloReplyBytes: 2000,
        helloReplyBudgetBytes: 1500,
        maxSendAttempts: 9,
        maxQueuedMessages: 77,
        introTimeoutMs: 4000,
        maxWriteBufferBytes: 5000,
        maxConnections: 40,
        maxConnectionsPerAddress: 3,
      },
      log: { level: "debug" },
      bridge: {
        listen: ["/ip4/127.0.0.1/tcp/0", "/ip6/::1/tcp/9877"],
        peers: ["/ip4/198.18.0.9/tcp/9877/p2p/12D3KooWSvNPkdD3qTJPCrRm3d3Qx4rVggHTZ1a6BLR1oY8SCyJ4", "/dns4/peer.example/tcp/9877"],
        room: "class-7b",
        keyFile,
        identityFile: join(root, "bridge-id.key"),
      },
    });
  });

  it("matches sections and keys case-insensitively", () => {
    const { config } = load([], "[network_info]\nPort = 1234\nPEER_ID = bob\n[Log]\nlevel = WARN\n");
    assert.equal(config.port, 1234);
    assert.equal(config.peerId, "bob");
    assert.equal(config.log.level, "warn");
  });

  it("takes every value as text, whatever ini makes of it", () => {
    // ini turns `true` into a boolean and '5' (single quotes) into a number.
    assert.equal(load([], "[NETWORK_INFO]\npeer_id = true\n").config.peerId, "true");
    assert.equal(load([], "[HTTP]\nport = '8080'\n").config.http.port, 8080);
    // A quoted value keeps what would otherwise start a comment.
    assert.equal(load([], '[NETWORK_INFO]\npeer_id = "team#1"\n').config.peerId, "team#1");
  });

  it("accepts a byte-order mark, CRLF line ends and comments", () => {
    const { config } = load([], "\uFEFF; made on Windows\r\n[NETWORK_INFO]\r\nport = 4321 ; inline\r\n# other\r\n");
    assert.equal(config.port, 4321);
  });

  it("trims peer_id", () => {
    assert.equal(load([], '[NETWORK_INFO]\npeer_id = "  carol  "\n').config.peerId, "carol");
  });
});

describe("loadConfig: defaults", () => {
  it("runs on defaults without a file and says what it chose", () => {
    const loaded = load([]);
    assert.deepEqual(loaded.config, DEFAULTS);
    assert.equal(loaded.file, null);
    assert.deepEqual(loaded.chosen, [
      'peer_id "vm" (host name)',
      "broadcast to every LAN interface (now: eth0 198.18.0.255)",
      "no config file at config/config.ini: using defaults",
    ]);
  });

  it("says when there is no LAN interface to broadcast on yet", () => {
    const loaded = load([], undefined, fakeSystem({ ...LOOPBACK, eth0: [v6("fe80::1")] }));
    assert.equal(loaded.config.broadcastAddress, "");
    assert.ok(loaded.chosen.includes("broadcast to every LAN interface (none found yet)"));
  });

  it("lists every non-internal IPv4 interface, skipping /32 links, with odd netmasks computed", () => {
    const system = fakeSystem({
      ...LOOPBACK,
      tun0: [v4("198.18.8.2", "255.255.255.255")],
      wlan0: [v6("fe80::2"), v4("198.19.4.20", "255.255.0.0")],
      eth1: [v4("200.100.50.130", "255.255.255.192")],
    });
    const loaded = load([], undefined, system);
    assert.equal(loaded.config.broadcastAddress, "");
    assert.ok(loaded.chosen.includes("broadcast to every LAN interface (now: wlan0 198.19.255.255, eth1 200.100.50.191)"));
  });

  it("reads a comma-separated broadcast list, and a single address as the seed's file has it", () => {
    assert.equal(load([], "[NETWORK_INFO]\nbroadcast_address = 198.18.1.255 , 198.18.2.255\n").config.broadcastAddress,
      "198.18.1.255,198.18.2.255");
    assert.equal(load([], "[NETWORK_INFO]\nbroadcast_address = 198.19.255.255\n").config.broadcastAddress, "198.19.255.255");
    assertConfigError(() => load([], "[NETWORK_INFO]\nbroadcast_address = 198.18.1.255,,198.18.2.255\n"),
      { file: FILE, key: "[NETWORK_INFO] broadcast_address", value: "198.18.1.255,,198.18.2.255", expected: expectedOf("NETWORK_INFO", "broadcast_address") });
  });

  it("reads static peers from [PEERS] static and from repeated --peer flags", () => {
    assert.deepEqual(load([], "[PEERS]\nstatic = 198.18.5.1, gw.example:9877\n").config.peers.static, ["198.18.5.1", "gw.example:9877"]);
    assert.deepEqual(load(["--peer", "198.18.5.1", "--peer=198.18.6.1:9000"]).config.peers.static, ["198.18.5.1", "198.18.6.1:9000"]);
    assertConfigError(() => load([], "[PEERS]\nstatic = 198.18.5.1:70000\n"),
      { file: FILE, key: "[PEERS] static", value: "198.18.5.1:70000", expected: expectedOf("PEERS", "static") });
  });

  it("uses the host name as peer_id only when none is given", () => {
    const loaded = load([], "[NETWORK_INFO]\npeer_id = dave\n", fakeSystem(undefined, "host-1"));
    assert.equal(loaded.config.peerId, "dave");
    assert.ok(!loaded.chosen.some((note) => note.startsWith("peer_id")));
    assert.equal(load([], undefined, fakeSystem(undefined, "host-1")).config.peerId, "host-1");
  });

  it("reads the file named by --config against cwd", () => {
    const cwd = workdir("[HTTP]\nport = 8123\n", "etc/chat.ini");
    const loaded = loadConfig(["--config", "etc/chat.ini"], { cwd, system: fakeSystem() });
    assert.equal(loaded.config.http.port, 8123);
    assert.equal(loaded.file, join(cwd, "etc/chat.ini"));
  });
});

describe("loadConfig: flags", () => {
  it("override the file, as --flag value and --flag=value", () => {
    const { config } = load(
      ["--peer-id", "eve", "--broadcast=198.18.255.255", "--port", "7000", "--http-port=7001",
        "--http-bind", "0.0.0.0", "--log-level=error"],
      SEED + "[HTTP]\nport = 8080\n[LOG]\nlevel = debug\n",
    );
    assert.equal(config.peerId, "eve");
    assert.equal(config.broadcastAddress, "198.18.255.255");
    assert.equal(config.port, 7000);
    assert.equal(config.http.port, 7001);
    assert.equal(config.http.bind, "0.0.0.0");
    assert.equal(config.log.level, "error");
  });

  it("leave the rest of the file alone", () => {
    const { config, chosen } = load(["--port", "7000"], SEED);
    assert.equal(config.peerId, "cesar-peer");
    assert.deepEqual(chosen, []);
  });

  it("are checked like the file's values", () => {
    assertConfigError(() => load(["--port", "abc"], SEED), { file: "command line", key: "--port", value: "abc", expected: PORT });
    assertConfigError(() => load(["--http-port=0"]), { file: "command line", key: "--http-port", value: "0", expected: PORT });
    assertConfigError(() => load(["--broadcast=fe80::1"]),
      { file: "command line", key: "--broadcast", value: "fe80::1", expected: /IPv4/ });
    assertConfigError(() => load(["--log-level", "loud"]),
      { file: "command line", key: "--log-level", value: "loud", expected: "one of error, warn, info, debug" });
    assertConfigError(() => load(["--peer-id="]),
      { file: "command line", key: "--peer-id", value: "", expected: /non-empty/ });
  });

  it("refuse unknown flags, missing values and extra arguments with a UsageError", () => {
    for (const argv of [["--prot", "1"], ["-p", "1"], ["--port"], ["--port", "--peer-id", "x"], ["extra"]]) {
      assert.throws(() => load(argv), (err: unknown) => {
        assert.ok(err instanceof UsageError, `${argv.join(" ")}: ${String(err)}`);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    }
    assert.throws(() => load(["--prot", "1"]), /--prot.*known: --config, --peer-id/);
  });

  it("are all described in the help text", () => {
    for (const flag of ["--config", "--peer-id", "--broadcast", "--port", "--http-port", "--http-bind", "--log-level"]) {
      assert.match(DAEMON_FLAGS_HELP, new RegExp(`^  ${flag} `, "m"));
    }
  });
});

describe("loadConfig: mistakes", () => {
  const bad = (ini: string) => () => load([], ini);

  it("exports the sysexits codes", () => {
    assert.equal(EX_CONFIG, 78);
    assert.equal(EX_USAGE, 64);
  });

  it("refuses ports outside 1..65535 and non-integers", () => {
    for (const value of ["0", "99999", "abc", "-1", "80.5", "1e3", ""]) {
      assertConfigError(bad(`[NETWORK_INFO]\nport = ${value}\n`),
        { file: FILE, key: "[NETWORK_INFO] port", value, expected: PORT });
    }
    assertConfigError(bad("[HTTP]\nport = 99999\n"), { file: FILE, key: "[HTTP] port", value: "99999", expected: PORT });
  });

  it("names the section as the user wrote it", () => {
    assertConfigError(bad("[network_info]\nPort = 0\n"), { file: FILE, key: "[network_info] Port", value: "0", expected: PORT });
  });

  it("refuses an empty or unprintable peer_id", () => {
    const expected = "a non-empty name of at most 256 characters without control characters";
    assertConfigError(bad("[NETWORK_INFO]\npeer_id =\n"), { file: FILE, key: "[NETWORK_INFO] peer_id", value: "", expected });
    assertConfigError(bad('[NETWORK_INFO]\npeer_id = "   "\n'), { file: FILE, key: "[NETWORK_INFO] peer_id", value: "   ", expected });
    assertConfigError(bad('[NETWORK_INFO]\npeer_id = "a\\u001b[31mb"\n'),
      { file: FILE, key: "[NETWORK_INFO] peer_id", value: "a\u001b[31mb", expected });
    const long = "x".repeat(257);
    assertConfigError(bad(`[NETWORK_INFO]\npeer_id = ${long}\n`), { file: FILE, key: "[NETWORK_INFO] peer_id", value: long, expected });
  });

  it("refuses a broadcast address that is not dotted IPv4", () => {
    for (const value of ["999.1.1.1", "fe80::1", "198.18.0", "lan"]) {
      assertConfigError(bad(`[NETWORK_INFO]\nbroadcast_address = ${value}\n`),
        { file: FILE, key: "[NETWORK_INFO] broadcast_address", value, expected: expectedOf("NETWORK_INFO", "broadcast_address") });
    }
  });

  it("makes [HISTORY] file absolute and refuses one whose directory cannot take it", () => {
    const cwd = workdir("[HISTORY]\nfile = history.json\n");
    assert.equal(loadConfig([], { cwd, system: fakeSystem() }).config.history.file, join(cwd, "history.json"));
    assertConfigError(bad("[HISTORY]\nfile = no-such-dir/history.json\n"), {
      file: FILE, key: "[HISTORY] file", value: "no-such-dir/history.json",
      expected: "a file in an existing, writable directory (ENOENT)",
    });
    assertConfigError(() => load(["--history-file", "/nonexistent-dir/h.json"]), {
      file: "command line", key: "--history-file", value: "/nonexistent-dir/h.json",
      expected: "a file in an existing, writable directory (ENOENT)",
    });
  });

  it("refuses an HTTP bind that is not an IP address", () => {
    assertConfigError(bad("[HTTP]\nbind = localhost\n"), { file: FILE, key: "[HTTP] bind", value: "localhost", expected: /IPv4 or IPv6/ });
  });

  it("refuses durations that are not positive seconds within bounds", () => {
    for (const value of ["0", "-1", "5s", "1e3", "Infinity", "0.001", "86401", "."]) {
      assertConfigError(bad(`[TCP]\nack_timeout = ${value}\n`), { file: FILE, key: "[TCP] ack_timeout", value, expected: SECONDS });
    }
  });

  it("refuses byte limits and counts that are not positive integers", () => {
    for (const value of ["0", "1.5", "-5", "2000000000"]) {
      assertConfigError(bad(`[TCP]\nmax_frame_bytes = ${value}\n`),
        { file: FILE, key: "[TCP] max_frame_bytes", value, expected: "an integer from 1 to 1073741824" });
    }
    assertConfigError(bad("[HISTORY]\nlimit = 100001\n"),
      { file: FILE, key: "[HISTORY] limit", value: "100001", expected: "an integer from 1 to 100000" });
    assertConfigError(bad("[TCP]\nmax_send_attempts = 0\n"),
      { file: FILE, key: "[TCP] max_send_attempts", value: "0", expected: "an integer from 1 to 1000" });
  });

  it("refuses a bad log level", () => {
    assertConfigError(bad("[LOG]\nlevel = verbose\n"),
      { file: FILE, key: "[LOG] level", value: "verbose", expected: "one of error, warn, info, debug" });
  });

  it("refuses retry_max below retry_min, blaming the key the user wrote", () => {
    assertConfigError(bad("[TCP]\nretry_min = 2\nretry_max = 1\n"),
      { file: FILE, key: "[TCP] retry_max", value: "1", expected: "at least [TCP] retry_min (2 s)" });
    assertConfigError(bad("[TCP]\nretry_min = 20\n"),
      { file: FILE, key: "[TCP] retry_min", value: "20", expected: "at most [TCP] retry_max (10 s)" });
    assertConfigError(bad("[TCP]\nretry_max = 0.1\n"),
      { file: FILE, key: "[TCP] retry_max", value: "0.1", expected: "at least [TCP] retry_min (0.25 s)" });
  });

  it("refuses max_hello_reply_bytes below max_frame_bytes, and peer_timeout below interval", () => {
    assertConfigError(bad("[TCP]\nmax_frame_bytes = 100000000\n"),
      { file: FILE, key: "[TCP] max_frame_bytes", value: "100000000", expected: "at most [TCP] max_hello_reply_bytes (8388608)" });
    assertConfigError(bad("[DISCOVERY]\ninterval = 10\npeer_timeout = 5\n"),
      { file: FILE, key: "[DISCOVERY] peer_timeout", value: "5", expected: "at least [DISCOVERY] interval (10 s)" });
  });

  it("refuses an unknown key, listing the section's keys", () => {
    assertConfigError(bad("[NETWORK_INFO]\nprot = 9876\n"), {
      file: FILE, key: "[NETWORK_INFO] prot", value: "9876",
      expected: "one of the keys of [NETWORK_INFO]: port, broadcast_address, peer_id",
    });
  });

  it("refuses an unknown section, listing the sections", () => {
    const expected = "one of [NETWORK_INFO], [HTTP], [DISCOVERY], [PEERS], [HISTORY], [TCP], [LOG], [BRIDGE]";
    assertConfigError(bad("[NETWORK]\nport = 9876\n"), { file: FILE, key: "section", value: "NETWORK", expected });
    // ini nests [HTTP.extra] inside [HTTP]
    assertConfigError(bad("[HTTP.extra]\nport = 1\n"), { file: FILE, key: "section", value: "HTTP.extra", expected });
  });

  it("refuses a key outside any section and a list value", () => {
    assertConfigError(bad("port = 9876\n"), { file: FILE, key: "port", value: "9876", expected: /^a \[SECTION\] line above it/ });
    assertConfigError(bad("[HTTP]\nport[] = 1\nport[] = 2\n"), { file: FILE, key: "[HTTP] port", value: "1, 2", expected: /single value/ });
  });

  it("refuses --config of a missing file, giving the OS reason", () => {
    assertConfigError(() => load(["--config", "nowhere.ini"]),
      { file: "command line", key: "--config", value: "nowhere.ini", expected: "a readable file (ENOENT: no such file or directory)" });
    // Even when it names the default path: asked for by name, it must be there.
    assertConfigError(() => load(["--config=config/config.ini"]),
      { file: "command line", key: "--config", value: "config/config.ini", expected: /^a readable file \(ENOENT/ });
  });

  it("refuses a default file that exists but cannot be read, rather than run on defaults", () => {
    const cwd = workdir();
    mkdirSync(join(cwd, FILE), { recursive: true });
    assertConfigError(() => loadConfig([], { cwd, system: fakeSystem() }),
      { file: FILE, key: "file", value: join(cwd, FILE), expected: /^a readable file \(EISDIR/ });
  });

  it("keeps the message on one line whatever the path holds", () => {
    const err = assertConfigError(() => load(["--config", "a\nb.ini"]),
      { file: "command line", key: "--config", value: "a\nb.ini", expected: /ENOENT/ });
    assert.match(err.message, /"a\\nb\.ini"/);
  });
});

describe("config/config.example.ini", () => {
  const example = readFileSync(EXAMPLE_FILE, "utf8");

  it("documents every key under its section, commented out", () => {
    const sections = example.split(/^\[/m).slice(1);
    for (const [section, keys] of KNOWN_KEYS) {
      const body = sections.find((s) => s.startsWith(`${section}]`));
      assert.ok(body, `[${section}] missing`);
      for (const key of keys) assert.match(body, new RegExp(`^;${key} = \\S`, "m"), `[${section}] ${key} missing`);
    }
  });

  it("loads as is to the defaults", () => {
    assert.deepEqual(load([], example).config, DEFAULTS);
  });

  it("shows the real defaults: uncommented, it loads to them (bar the machine's own values)", () => {
    const uncommented = example.replace(/^;(\w+ = )/gm, "$1");
    const { config } = load([], uncommented);
    assert.deepEqual(config, { ...DEFAULTS, peerId: config.peerId, broadcastAddress: config.broadcastAddress });
  });
});
