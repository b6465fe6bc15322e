/**
 * Every setting of p2pchat, once: its section and key in config.ini, its flag, its default, the
 * kind of value it takes (which reads the text and words the error), where it lives in Config,
 * whether SIGHUP applies it to a running peer, and what it means. The loader, the flags, --help,
 * the reload, config/config.example.ini and docs/configuration.md are all made from this table.
 *
 * To add a setting: add its field to Config (types.ts), then one entry here, in the section where
 * a user would look for it; then `npm run gen:config` rewrites the example file and the reference.
 */
import { interfaceBroadcasts, type SystemFacts } from "./defaults.js";
import { LOG_LEVELS, type Config } from "./types.js";
import { readRoomKeyFile, ROOM_KEY_EXPECTED } from "../bridge/room-key.js";
import {
  hostPortList, integer, ipAddress, ipv4List, listenMultiaddrList, logLevel, peerMultiaddrList, peerName, port,
  readableFileOrNone, Refusal, roomName, seconds, writableFileOrNone, type ReadContext, type ValueKind,
} from "./values.js";

export const SECTIONS = ["NETWORK_INFO", "HTTP", "DISCOVERY", "PEERS", "HISTORY", "TCP", "LOG", "BRIDGE"] as const;
export type Section = (typeof SECTIONS)[number];

/** A default the machine decides, anew at each load. */
export interface MachineDefault {
  choose(system: SystemFacts): {
    text: string;
    /** Where an error says the value came from: "default (host name)". */
    origin: string;
    /** For the start-up line: `peer_id "vm" (host name)`. */
    note: string;
  };
  /** The default in words, for people: "the host name". */
  described: string;
  /** A plausible value, shown in the example file. */
  example: string;
}

/** A command-line flag that overrides the setting: `--port N`. */
export interface Flag {
  name: string;
  /** The placeholder for its value in --help. */
  arg: string;
  /** May be given several times (`--peer a --peer b`): the values are joined with commas. */
  repeatable?: boolean;
}

/** One setting, as the loader, the reload and the generated docs use it. */
export interface Setting {
  readonly section: Section;
  readonly key: string;
  /** `[SECTION] key`, as a user would look for it in the file. */
  readonly name: string;
  readonly flag: Flag | undefined;
  /** Text that goes through the same reading as the user's, or one the machine decides. */
  readonly default: string | MachineDefault;
  /** The default for people, where its text alone says too little (an empty path). */
  readonly defaultShown: string;
  /** "applied": a SIGHUP changes it in the running peer; "restart": only a restart does. */
  readonly reload: "applied" | "restart";
  /** One line: what it means. */
  readonly description: string;
  /** Further sentences for the example file and the reference, if any. */
  readonly notes: string | undefined;
  /** What is accepted, in the words of an error line. */
  readonly expected: string;
  readonly unit: "seconds" | undefined;
  /** Reads `text` into its field of `config`; false if the text does not fit. */
  store(config: Config, text: string): boolean;
  /** The machine's checks (see ValueKind.settle); a Refusal leaves `config` as it was. */
  settle(config: Config, context: ReadContext): Refusal | undefined;
  /** Its value in `config` as the file writes it (durations in seconds). */
  written(config: Config): string | number;
  /** Copies its value from `from` into `to`. */
  copy(from: Config, to: Config): void;
}

/** Where a value lives in Config. */
interface Field<T> {
  get(config: Config): T;
  set(config: Config, value: T): void;
}

type Group = "http" | "discovery" | "peers" | "history" | "tcp" | "log" | "bridge";
type TopLevel = "peerId" | "port" | "broadcastAddress";

function top<K extends TopLevel>(key: K): Field<Config[K]> {
  return { get: (c) => c[key], set: (c, value) => (c[key] = value) };
}

function inGroup<G extends Group, K extends keyof Config[G]>(group: G, key: K): Field<Config[G][K]> {
  return { get: (c) => c[group][key], set: (c, value) => (c[group][key] = value) };
}

interface Spec<T> {
  section: Section;
  key: string;
  field: Field<T>;
  kind: ValueKind<T>;
  default: string | MachineDefault;
  defaultShown?: string;
  flag?: Flag;
  reload: "applied" | "restart";
  description: string;
  notes?: string;
}

/** Binds a kind to its field, so the table can hold settings of every value type in one list. */
function define<T>(spec: Spec<T>): Setting {
  const { field, kind } = spec;
  return {
    section: spec.section,
    key: spec.key,
    name: `[${spec.section}] ${spec.key}`,
    flag: spec.flag,
    default: spec.default,
    defaultShown: spec.defaultShown ?? (typeof spec.default === "string" ? spec.default : spec.default.described),
    reload: spec.reload,
    description: spec.description,
    notes: spec.notes,
    expected: kind.expected,
    unit: kind.unit,
    store(config, text) {
      const value = kind.read(text);
      if (value === undefined) return false;
      field.set(config, value);
      return true;
    },
    settle(config, context) {
      if (!kind.settle) return undefined;
      const settled = kind.settle(field.get(config), context);
      if (settled instanceof Refusal) return settled;
      field.set(config, settled);
      return undefined;
    },
    written: (config) => kind.written(field.get(config)),
    copy: (from, to) => field.set(to, field.get(from)),
  };
}

// A frame or a hello reply above 1 GiB is a typo, and beyond what one Buffer should hold anyway.
const BYTES_MAX = 2 ** 30;
const bytes = () => integer(1, BYTES_MAX);

/** In the order of config.ini: sections as SECTIONS, keys as the seed's file has them. */
export const SETTINGS: readonly Setting[] = [
  // Our identity and sockets: other peers know us by them, and the sockets are bound at start.
  define({
    section: "NETWORK_INFO", key: "port", field: top("port"), kind: port(), default: "9876",
    flag: { name: "port", arg: "N" }, reload: "restart",
    description: "UDP discovery port and TCP server port",
    notes: "Hellos go to this port, and other peers' servers are always dialled on it too.",
  }),
  // Discovery re-reads it at its next announcement.
  define({
    section: "NETWORK_INFO", key: "broadcast_address", field: top("broadcastAddress"), kind: ipv4List(),
    default: {
      choose(system) {
        const found = interfaceBroadcasts(system.networkInterfaces());
        const list = found.map((b) => `${b.name} ${b.broadcast}`).join(", ");
        return {
          text: "", origin: "default",
          note: `broadcast to every LAN interface (${found.length === 0 ? "none found yet" : `now: ${list}`})`,
        };
      },
      described: "the broadcast address of every LAN interface",
      example: "192.168.1.255",
    },
    flag: { name: "broadcast", arg: "ADDR" }, reload: "applied",
    description: "where discovery hellos are broadcast (several separated by commas)",
    notes: "The default sends each hello to the directed broadcast address of every non-internal IPv4 "
      + "interface, computed from its address and netmask (10.0.0.7/24 gives 10.0.0.255), skipping /32 "
      + "links; the interfaces are read again at every hello, so one that comes up later is used too. "
      + "A value here replaces that list (and spares that reading): one address as the seed's file has it, or several.",
  }),
  define({
    section: "NETWORK_INFO", key: "peer_id", field: top("peerId"), kind: peerName(),
    default: {
      choose(system) {
        const name = system.hostname();
        return { text: name, origin: "default (host name)", note: `peer_id ${JSON.stringify(name)} (host name)` };
      },
      described: "the host name",
      example: "my-laptop",
    },
    flag: { name: "peer-id", arg: "ID" }, reload: "restart",
    description: "our name on the LAN; it should be unique there",
    notes: "Spaces around it are trimmed.",
  }),
  define({
    section: "HTTP", key: "port", field: inGroup("http", "port"), kind: port(), default: "8000",
    flag: { name: "http-port", arg: "N" }, reload: "restart",
    description: "port of the HTTP API and the chat page",
  }),
  define({
    section: "HTTP", key: "bind", field: inGroup("http", "bind"), kind: ipAddress(), default: "127.0.0.1",
    flag: { name: "http-bind", arg: "ADDR" }, reload: "restart",
    description: "address the HTTP API listens on",
    notes: "127.0.0.1 keeps it to this machine; 0.0.0.0 (or ::) opens it to the LAN, where anyone can "
      + "then read and send as you.",
  }),
  // Discovery re-reads these at its next announcement.
  define({
    section: "DISCOVERY", key: "interval", field: inGroup("discovery", "intervalMs"), kind: seconds(), default: "5",
    reload: "applied",
    description: "time between two broadcast hellos",
  }),
  define({
    section: "DISCOVERY", key: "peer_timeout", field: inGroup("discovery", "peerTimeoutMs"), kind: seconds(),
    default: "15", reload: "applied",
    description: "a peer silent this long is no longer retried, until it announces itself again",
    notes: "Silent: no hello from it, and no answer.",
  }),
  // The peer table checks this whenever a new peer turns up.
  define({
    section: "DISCOVERY", key: "max_peers", field: inGroup("discovery", "maxPeers"), kind: integer(1, 100_000),
    default: "1000", reload: "applied",
    description: "most peers kept in the peer table",
    notes: "When it is full, the longest-silent peer without a connection makes room; if there is none, "
      + "the new peer is ignored (and logged): a flood of made-up peer_ids must not grow memory or "
      + "connections without end.",
  }),
  // Discovery re-reads these at its next hello; the remembered peers are read at start.
  define({
    section: "PEERS", key: "static", field: inGroup("peers", "static"), kind: hostPortList(), default: "",
    defaultShown: "none",
    flag: { name: "peer", arg: "HOST[:PORT]", repeatable: true }, reload: "applied",
    description: "peers reached by unicast, on any routed network (--peer may be repeated)",
    notes: "Every discovery interval each gets our hello by unicast (a host name is resolved again each "
      + "time), unless it answered that interval's broadcast hello within 250 ms: it hears our broadcasts. "
      + "Once it answers it is dialled like any peer found by broadcast. PORT, if given, is "
      + "used for the hello and the TCP connection; without it, [NETWORK_INFO] port. This is how two "
      + "LANs joined by a router, or a Wi-Fi that blocks broadcast, become one room (docs/getting-started.md \"Across networks\").",
  }),
  define({
    section: "PEERS", key: "forget_after_days", field: inGroup("peers", "forgetAfterDays"), kind: integer(1, 3650),
    default: "7", reload: "applied",
    description: "a remembered peer not seen for this many days is forgotten",
    notes: "With [HISTORY] file set, every peer we were connected to is remembered in a file beside it "
      + "(history.json gives history.peers.json) and dialled again by unicast after a restart, before "
      + "any broadcast is answered.",
  }),
  define({
    section: "HISTORY", key: "limit", field: inGroup("history", "limit"), kind: integer(1, 100_000), default: "100",
    reload: "applied",
    description: "how many messages are kept: the newest by id, each host and author a fair share",
    notes: "When it is full, the host that delivered the most gives one up (its author with the most, their oldest): in a room that takes " +
      "turns that keeps the newest by id (docs/protocol.md §3); one peer that floods only pushes out its own.",
  }),
  // Read by HTTP per request, by connections when they are opened or accepted.
  define({
    section: "HISTORY", key: "max_message_bytes", field: inGroup("history", "maxMessageBytes"), kind: bytes(),
    default: "65536", reload: "applied",
    description: "longest message text, in UTF-8 bytes",
    notes: "A longer message from a peer gets an error reply and is not stored; in a received history it "
      + "is skipped; from /send it is refused with HTTP 413.",
  }),
  define({
    section: "HISTORY", key: "max_id_ahead", field: inGroup("history", "maxIdAheadMs"), kind: seconds(),
    default: "300", reload: "applied",
    description: "how far ahead of our clock a message id may be",
    notes: "Ids are the sender's clock in ms and the history ranks by them, so ids from the future (a clock " +
      "in microseconds, or hours ahead) would outrank the present. Such a message gets an error reply " +
      "that names the sender's clock problem; in a received history it is skipped.",
  }),
  define({
    section: "HISTORY", key: "peer_rate", field: inGroup("history", "peerRatePerSecond"), kind: integer(1, 1_000_000),
    default: "10", reload: "applied",
    description: "new messages per second one peer_id, and one address, may bring on average",
    notes: "Beyond it (and beyond peer_burst at once) a message gets the error reply E_RATE_LIMITED and is " +
      "not stored: one flooding peer cannot fill everyone's history.",
  }),
  define({
    section: "HISTORY", key: "peer_burst", field: inGroup("history", "peerBurst"), kind: integer(1, 1_000_000),
    default: "200", reload: "applied",
    description: "new messages one peer_id, and one address, may bring at once",
    notes: "A person pasting 30 lines in a second stays well within it, and so does a tool that checks " +
      "the history limit by sending a little more than a history (p2pchat probe --stress sends 105).",
  }),
  // Read once at start; switching files while running would fork the history.
  define({
    section: "HISTORY", key: "file", field: inGroup("history", "file"), kind: writableFileOrNone(), default: "",
    defaultShown: "memory only",
    flag: { name: "history-file", arg: "PATH" }, reload: "restart",
    description: "keep the history in this file across restarts",
    notes: "It is written a moment after each new message and at shutdown, atomically. Empty: memory only, "
      + "as the protocol describes; a restarted peer then gets the history back only from the other "
      + "peers. A relative path is taken from the working directory; the directory must exist and be "
      + "writable. The service uses /var/lib/p2pchat/history.json.",
  }),
  // Read when a connection is opened or accepted: connections made after the reload use them.
  define({
    section: "TCP", key: "connect_timeout", field: inGroup("tcp", "connectTimeoutMs"), kind: seconds(), default: "3",
    reload: "applied",
    description: "time to wait for a TCP connection to a peer to open",
  }),
  define({
    section: "TCP", key: "hello_timeout", field: inGroup("tcp", "helloTimeoutMs"), kind: seconds(), default: "5",
    reload: "applied",
    description: "time to wait for a peer's answer to our hello, which carries its whole history",
  }),
  define({
    section: "TCP", key: "ack_timeout", field: inGroup("tcp", "ackTimeoutMs"), kind: seconds(), default: "5",
    reload: "applied",
    description: "time to wait for the {\"status\":...} answer to a new_message we sent",
  }),
  // Each known peer's backoff timer is made with these when the peer is first seen.
  define({
    section: "TCP", key: "retry_min", field: inGroup("tcp", "retryMinMs"), kind: seconds(), default: "0.25",
    reload: "restart",
    description: "first wait before reconnecting to a peer",
    notes: "Reconnecting backs off from retry_min to retry_max, doubling, with ±25 % jitter.",
  }),
  define({
    section: "TCP", key: "retry_max", field: inGroup("tcp", "retryMaxMs"), kind: seconds(), default: "10",
    reload: "restart",
    description: "longest wait before reconnecting to a peer",
  }),
  define({
    section: "TCP", key: "max_frame_bytes", field: inGroup("tcp", "maxFrameBytes"), kind: bytes(),
    default: "1048576", reload: "applied",
    description: "longest frame (one JSON line) accepted from a peer, in bytes",
    notes: "A longer one is an error on that connection, which is then closed: a peer cannot make us "
      + "hold more.",
  }),
  define({
    section: "TCP", key: "max_hello_reply_bytes", field: inGroup("tcp", "maxHelloReplyBytes"), kind: bytes(),
    default: "8388608", reload: "applied",
    description: "longest answer to our hello, in bytes",
    notes: "It holds the peer's whole history, so it may be much longer than other frames: 100 " +
      "messages of 64 KiB are 6.5 MB. Beyond it the reply is refused before it is parsed.",
  }),
  define({
    section: "TCP", key: "hello_reply_budget", field: inGroup("tcp", "helloReplyBudgetBytes"), kind: bytes(),
    default: "1048576", reload: "applied",
    description: "longest answer we give to a hello, in bytes: the newest messages that fit",
    notes: "Other peers read a hello reply as one frame, and many cap a frame (the reference peer " +
      "at 4 MiB); a peer that cannot read our reply can never join. The oldest messages are left out.",
  }),
  define({
    section: "TCP", key: "max_send_attempts", field: inGroup("tcp", "maxSendAttempts"), kind: integer(1, 1000),
    default: "5", reload: "applied",
    description: "connections one message may use up unacked before it is dropped for that peer",
    notes: "A peer that has never acked anything gets at most 2.",
  }),
  define({
    section: "TCP", key: "max_queued_messages", field: inGroup("tcp", "maxQueuedMessages"),
    kind: integer(1, 1_000_000), default: "1000", reload: "applied",
    description: "our messages waiting for one peer's ack",
    notes: "Beyond it, the oldest is dropped for that peer (a slow or unreachable one), with a warning.",
  }),
  define({
    section: "TCP", key: "intro_timeout", field: inGroup("tcp", "introTimeoutMs"), kind: seconds(), default: "10",
    reload: "applied",
    description: "time an accepted connection may stay without saying hello before it is closed",
  }),
  define({
    section: "TCP", key: "max_write_buffer_bytes", field: inGroup("tcp", "maxWriteBufferBytes"), kind: bytes(),
    default: "16777216", reload: "applied",
    description: "unsent bytes held for a peer that does not read them, then its connection is dropped",
    notes: "It must hold at least one hello reply (our whole history).",
  }),
  define({
    section: "TCP", key: "max_connections", field: inGroup("tcp", "maxConnections"), kind: integer(1, 1_000_000),
    default: "2048", reload: "applied",
    description: "accepted connections at once, in all",
    notes: "Further connections get an error reply and are closed.",
  }),
  define({
    section: "TCP", key: "max_connections_per_address", field: inGroup("tcp", "maxConnectionsPerAddress"),
    kind: integer(1, 1_000_000), default: "8", reload: "applied",
    description: "accepted connections at once from one address",
  }),
  define({
    section: "LOG", key: "level", field: inGroup("log", "level"), kind: logLevel(), default: "info",
    flag: { name: "log-level", arg: "LEVEL" }, reload: "applied",
    description: `how much is logged: ${LOG_LEVELS.join(", ")}`,
    notes: "Any case: DEBUG works as well as debug.",
  }),
  // The bridge (src/bridge/) is made once at start: every one of its settings needs a restart.
  define({
    section: "BRIDGE", key: "listen", field: inGroup("bridge", "listen"), kind: listenMultiaddrList(), default: "",
    defaultShown: "none: the bridge is off",
    flag: { name: "bridge-listen", arg: "MULTIADDR", repeatable: true }, reload: "restart",
    description: "multiaddrs our libp2p bridge listens on for other sites' bridges (--bridge-listen may be repeated)",
    notes: "With listen or peers set, this host joins a libp2p room (gossipsub) and carries messages between "
      + "its LAN and the room; key_file is then required. Port 0 takes any free port. Without them, libp2p "
      + "is never loaded.",
  }),
  define({
    section: "BRIDGE", key: "peers", field: inGroup("bridge", "peers"), kind: peerMultiaddrList(), default: "",
    defaultShown: "none",
    flag: { name: "bridge-peer", arg: "MULTIADDR", repeatable: true }, reload: "restart",
    description: "other sites' bridges, dialled and redialled for ever (--bridge-peer may be repeated)",
    notes: "With /p2p/<peer id> at the end, only that bridge is accepted at the address; without it, "
      + "whichever bridge answers there with the room key. A bridge's id is in its start-up log line and "
      + "in GET /peers.",
  }),
  define({
    section: "BRIDGE", key: "room", field: inGroup("bridge", "room"), kind: roomName(), default: "p2pchat",
    flag: { name: "bridge-room", arg: "NAME" }, reload: "restart",
    description: "the room's name: bridges of one room carry each other's messages",
    notes: "It names the gossipsub topic (p2pchat/room/NAME); bridges with the same key but another room "
      + "connect and carry nothing of each other's.",
  }),
  define({
    section: "BRIDGE", key: "key_file", field: inGroup("bridge", "keyFile"),
    kind: readableFileOrNone(ROOM_KEY_EXPECTED, (path) => {
      const read = readRoomKeyFile(path);
      return "problem" in read ? read.problem : undefined;
    }),
    default: "", defaultShown: "none",
    flag: { name: "bridge-key-file", arg: "PATH" }, reload: "restart",
    description: "the room key: only bridges holding the same key can connect",
    notes: "32 random bytes as 64 hex characters; `p2pchat bridge-key > room.key` makes one, and every "
      + "site of the room gets a copy. It is the pre-shared key of a libp2p private network: a host "
      + "without it cannot even start the handshake. Keep it readable by the service only.",
  }),
  define({
    section: "BRIDGE", key: "identity_file", field: inGroup("bridge", "identityFile"),
    kind: writableFileOrNone("a file path (empty for the default place)"),
    default: "", defaultShown: "bridge-identity.key in the state directory",
    flag: { name: "bridge-identity-file", arg: "PATH" }, reload: "restart",
    description: "where this bridge's libp2p identity (its private key) is kept, so its /p2p/ id stays the same",
    notes: "Created (mode 0600) at the first start. Empty: $STATE_DIRECTORY/bridge-identity.key under "
      + "systemd (the service's /var/lib/p2pchat), else beside [HISTORY] file if set, else "
      + "$XDG_STATE_HOME/p2pchat/ or ~/.local/state/p2pchat/.",
  }),
];

/** The setting at `[section] key` (canonical names); throws for one that does not exist. */
export function settingAt(section: Section, key: string): Setting {
  const found = SETTINGS.find((s) => s.section === section && s.key === key);
  if (!found) throw new Error(`no setting [${section}] ${key}`);
  return found;
}

/** Two settings where one may not exceed the other. */
export interface OrderRule {
  low: Setting;
  high: Setting;
  /** Why, for the reference. */
  why: string;
}

/** Checked after every value has been read, in this order; the first broken one is reported. */
export const ORDER_RULES: readonly OrderRule[] = [
  {
    low: settingAt("TCP", "retry_min"), high: settingAt("TCP", "retry_max"),
    why: "backoff grows from retry_min to retry_max; the other way round it could never grow",
  },
  {
    low: settingAt("TCP", "max_frame_bytes"), high: settingAt("TCP", "max_hello_reply_bytes"),
    why: "a hello reply is a frame too (the whole history), so it may never be held to less",
  },
  {
    low: settingAt("DISCOVERY", "interval"), high: settingAt("DISCOVERY", "peer_timeout"),
    why: "a peer that announces itself every interval would otherwise expire between its own hellos",
  },
  {
    low: settingAt("HISTORY", "max_message_bytes"), high: settingAt("TCP", "hello_reply_budget"),
    why: "our hello reply must hold at least the newest message",
  },
  {
    low: settingAt("TCP", "hello_reply_budget"), high: settingAt("TCP", "max_hello_reply_bytes"),
    why: "we would refuse from others a reply as long as the one we give",
  },
  {
    low: settingAt("HISTORY", "max_message_bytes"), high: settingAt("TCP", "max_frame_bytes"),
    why: "a message travels inside a frame, so a frame must be able to hold the longest message",
  },
  {
    low: settingAt("TCP", "max_connections_per_address"), high: settingAt("TCP", "max_connections"),
    why: "one address can never have more connections than all of them",
  },
];

/** Keys of each section, in table order (for matching names and for error text). */
export const KNOWN_KEYS: ReadonlyMap<Section, readonly string[]> = new Map(
  SECTIONS.map((section) => [section, SETTINGS.filter((s) => s.section === section).map((s) => s.key)]),
);

/** The "expected ..." text of one setting. */
export function expectedOf(section: Section, key: string): string {
  return settingAt(section, key).expected;
}

/**
 * Where settings are listed for someone at a command line (flags, --help, the start-up line),
 * who we are comes first; the file keeps the seed's order.
 */
export const COMMAND_LINE_ORDER: readonly Setting[] = [
  settingAt("NETWORK_INFO", "peer_id"),
  ...SETTINGS.filter((s) => s !== settingAt("NETWORK_INFO", "peer_id")),
];
