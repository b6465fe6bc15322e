/**
 * Every setting of config.ini in one place: its section and key, what text it accepts, its
 * default, and the words an error uses for what is expected. The flags reuse these checks, and
 * config/config.example.ini documents the same table for users (a test keeps the two in step).
 */
import { isIP, isIPv4 } from "node:net";
import { z } from "zod";
import { LOG_LEVELS, type Config } from "./types.js";

/** "expected ..." for each setting; a ConfigError quotes it instead of zod's own message. */
export const expectations = z.registry<{ expected: string }>();

/** A default value, as text, that goes through the same checks as the user's text. */
function setting<T extends z.ZodType<unknown, string>>(schema: T, expected: string, fallback: string) {
  const withDefault = schema.prefault(fallback as z.input<T>);
  expectations.add(withDefault, { expected });
  return withDefault;
}

/** No static default: the loader supplies one from the machine (host name, interface). */
function derived<T extends z.ZodType<unknown, string>>(schema: T, expected: string) {
  expectations.add(schema, { expected });
  return schema;
}

// Values arrive as text (the loader turns ini's `true` or '5' back into the string the user wrote).
// The number syntax is deliberately narrow: no sign, exponent, hex or "Infinity", which
// Number() would happily accept.
const INTEGER = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function integer(min: number, max: number) {
  return z.string().trim().regex(INTEGER).transform(Number).pipe(z.number().int().min(min).max(max));
}
const integerText = (min: number, max: number) => `an integer from ${min} to ${max}`;

// Durations are written in seconds (0.5 is fine) and used in milliseconds. The bounds only keep
// out typos: 0 would spin a timer, and more than a day is surely a unit mistake.
const SECONDS_MIN = 0.01;
const SECONDS_MAX = 86_400;
const seconds = () =>
  z.string().trim().regex(DECIMAL).transform(Number)
    .pipe(z.number().min(SECONDS_MIN).max(SECONDS_MAX))
    .transform((s) => Math.round(s * 1000));
const SECONDS = `a number of seconds from ${SECONDS_MIN} to ${SECONDS_MAX}`;

const port = () => integer(1, 65_535);
const PORT = integerText(1, 65_535);

// A frame or a hello reply above 1 GiB is a typo, and beyond what one Buffer should hold anyway.
const BYTES_MAX = 2 ** 30;

export const sectionsSchema = z.object({
  NETWORK_INFO: z.object({
    port: setting(port(), PORT, "9876"),
    broadcast_address: derived(
      z.string().trim().refine((s) => isIPv4(s)),
      "a dotted IPv4 address such as 192.168.1.255",
    ),
    // PROTOCOL.md "Identity": non-empty. Control characters would garble logs and other peers' UIs.
    peer_id: derived(
      z.string().trim().min(1).max(256).refine((s) => !/\p{Cc}/u.test(s)),
      "a non-empty name of at most 256 characters without control characters",
    ),
  }),
  HTTP: z.object({
    port: setting(port(), PORT, "8000"),
    bind: setting(
      z.string().trim().refine((s) => isIP(s) !== 0),
      "an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::",
      "127.0.0.1",
    ),
  }),
  DISCOVERY: z.object({
    interval: setting(seconds(), SECONDS, "5"),
    peer_timeout: setting(seconds(), SECONDS, "15"),
    max_peers: setting(integer(1, 100_000), integerText(1, 100_000), "1000"),
  }),
  HISTORY: z.object({
    limit: setting(integer(1, 100_000), integerText(1, 100_000), "100"),
    max_message_bytes: setting(integer(1, BYTES_MAX), integerText(1, BYTES_MAX), "65536"),
    // Empty: the history lives in memory only, as PROTOCOL.md §3 has it.
    file: setting(
      z.string().trim().max(4096).refine((s) => !/\p{Cc}/u.test(s) && !s.endsWith("/")),
      "a file path (empty for memory only)",
      "",
    ),
  }),
  TCP: z.object({
    connect_timeout: setting(seconds(), SECONDS, "3"),
    hello_timeout: setting(seconds(), SECONDS, "5"),
    ack_timeout: setting(seconds(), SECONDS, "5"),
    retry_min: setting(seconds(), SECONDS, "0.25"),
    retry_max: setting(seconds(), SECONDS, "10"),
    max_frame_bytes: setting(integer(1, BYTES_MAX), integerText(1, BYTES_MAX), "1048576"),
    max_hello_reply_bytes: setting(integer(1, BYTES_MAX), integerText(1, BYTES_MAX), "67108864"),
    max_send_attempts: setting(integer(1, 1000), integerText(1, 1000), "5"),
    max_queued_messages: setting(integer(1, 1_000_000), integerText(1, 1_000_000), "1000"),
    intro_timeout: setting(seconds(), SECONDS, "10"),
    max_write_buffer_bytes: setting(integer(1, BYTES_MAX), integerText(1, BYTES_MAX), "16777216"),
    max_connections: setting(integer(1, 1_000_000), integerText(1, 1_000_000), "2048"),
    max_connections_per_address: setting(integer(1, 1_000_000), integerText(1, 1_000_000), "8"),
  }),
  LOG: z.object({
    level: setting(
      z.string().trim().toLowerCase().pipe(z.enum(LOG_LEVELS)),
      `one of ${LOG_LEVELS.join(", ")}`,
      "info",
    ),
  }),
});

/** The text the loader hands over: section -> key -> value, canonical names, all sections present. */
export type RawSettings = Record<string, Record<string, string>>;

/**
 * Carried by the issue of a pair out of order, which is raised on the larger key. `instead` words
 * it for the smaller key, which the loader blames when only that one was written by the user
 * (blaming a key they never wrote would send them looking for it).
 */
export interface OrderIssueParams {
  expected: string;
  instead: { section: string; key: string; expected: string };
}

export function orderIssueParams(issue: z.core.$ZodIssue): OrderIssueParams | undefined {
  if (issue.code !== "custom") return undefined;
  const params = issue.params as Partial<OrderIssueParams> | undefined;
  return typeof params?.expected === "string" && params.instead ? (params as OrderIssueParams) : undefined;
}

const showSeconds = (ms: number) => `${ms / 1000} s`;
const showNumber = (n: number) => String(n);

/** One setting in an order check: [section, key, value]. */
type Bound = [section: string, key: string, value: number];

function inOrder(ctx: z.RefinementCtx, [lowSection, lowKey, low]: Bound, [highSection, highKey, high]: Bound,
  show: (n: number) => string): void {
  if (low <= high) return;
  const params: OrderIssueParams = {
    expected: `at least [${lowSection}] ${lowKey} (${show(low)})`,
    instead: { section: lowSection, key: lowKey, expected: `at most [${highSection}] ${highKey} (${show(high)})` },
  };
  ctx.addIssue({ code: "custom", path: [highSection, highKey], message: params.expected, params });
}

export const configSchema = sectionsSchema
  .superRefine((s, ctx) => {
    // Backoff grows from retry_min to retry_max; the other way round it could never grow.
    inOrder(ctx, ["TCP", "retry_min", s.TCP.retry_min], ["TCP", "retry_max", s.TCP.retry_max], showSeconds);
    // A hello reply is a frame too (the whole history), so it may never be held to less.
    inOrder(ctx, ["TCP", "max_frame_bytes", s.TCP.max_frame_bytes],
      ["TCP", "max_hello_reply_bytes", s.TCP.max_hello_reply_bytes], showNumber);
    // A peer that announces every `interval` would otherwise expire between its own hellos.
    inOrder(ctx, ["DISCOVERY", "interval", s.DISCOVERY.interval],
      ["DISCOVERY", "peer_timeout", s.DISCOVERY.peer_timeout], showSeconds);
    // A message travels inside a frame, so a frame must be able to hold the longest message.
    inOrder(ctx, ["HISTORY", "max_message_bytes", s.HISTORY.max_message_bytes],
      ["TCP", "max_frame_bytes", s.TCP.max_frame_bytes], showNumber);
    inOrder(ctx, ["TCP", "max_connections_per_address", s.TCP.max_connections_per_address],
      ["TCP", "max_connections", s.TCP.max_connections], showNumber);
  })
  .transform((s): Config => ({
    peerId: s.NETWORK_INFO.peer_id,
    port: s.NETWORK_INFO.port,
    broadcastAddress: s.NETWORK_INFO.broadcast_address,
    http: { port: s.HTTP.port, bind: s.HTTP.bind },
    discovery: {
      intervalMs: s.DISCOVERY.interval,
      peerTimeoutMs: s.DISCOVERY.peer_timeout,
      maxPeers: s.DISCOVERY.max_peers,
    },
    history: { limit: s.HISTORY.limit, maxMessageBytes: s.HISTORY.max_message_bytes, file: s.HISTORY.file },
    tcp: {
      connectTimeoutMs: s.TCP.connect_timeout,
      helloTimeoutMs: s.TCP.hello_timeout,
      ackTimeoutMs: s.TCP.ack_timeout,
      retryMinMs: s.TCP.retry_min,
      retryMaxMs: s.TCP.retry_max,
      maxFrameBytes: s.TCP.max_frame_bytes,
      maxHelloReplyBytes: s.TCP.max_hello_reply_bytes,
      maxSendAttempts: s.TCP.max_send_attempts,
      maxQueuedMessages: s.TCP.max_queued_messages,
      introTimeoutMs: s.TCP.intro_timeout,
      maxWriteBufferBytes: s.TCP.max_write_buffer_bytes,
      maxConnections: s.TCP.max_connections,
      maxConnectionsPerAddress: s.TCP.max_connections_per_address,
    },
    log: { level: s.LOG.level },
  }));

/** Known sections with their keys, in the order of the schema (for matching and for error text). */
export const KNOWN_KEYS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(sectionsSchema.shape).map(([section, schema]) => [section, Object.keys(schema.shape)]),
);

/** The "expected ..." text of one setting. */
export function expectedOf(section: string, key: string): string {
  const sectionSchema = (sectionsSchema.shape as Record<string, z.ZodObject | undefined>)[section];
  const field = sectionSchema?.shape[key];
  return (field && expectations.get(field)?.expected) ?? "a valid value";
}
