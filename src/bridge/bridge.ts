/**
 * The bridge: this host in a libp2p room (gossipsub over TCP, noise, yamux, inside a private
 * network keyed by the room key), carrying messages between our LAN and the room.
 *
 * - Out: every message new to us (node.ts decides which) is published once on the room's topic.
 * - In: every message from the room is checked (payload.ts) in gossipsub's validator, then goes
 *   through the node's intake like any peer's, with `via` = `bridge:<publisher's libp2p id>`;
 *   garbage is rejected (Reject: gossipsub scores its sender down and forwards nothing), a
 *   message the intake refuses (rate, clock) is not forwarded either (Ignore).
 * - Catch-up: when two bridges connect they exchange their newest messages (catch-up.ts).
 * - Configured bridges are redialled for ever with backoff (peers/retry-timer.ts), so a site
 *   that was cut off or restarted is back within seconds.
 */
import { gossipsub, TopicValidatorResult, type GossipSub, type Message } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { ConnectionProtector, Libp2p, MessageStream, PeerId } from "@libp2p/interface";
import { noise } from "@libp2p/noise";
import { preSharedKey } from "@libp2p/pnet";
import { tcp } from "@libp2p/tcp";
import { yamux } from "@libp2p/yamux";
import { multiaddr } from "@multiformats/multiaddr";
import { createHash } from "node:crypto";
import { createLibp2p } from "libp2p";
import type { BridgePeerView, BridgeView } from "../http/wire.js";
import { FloodSummary } from "../log/flood-summary.js";
import { RetryTimer } from "../peers/retry-timer.js";
import { normalizeMessageId } from "../protocol/message-id.js";
import { CATCH_UP_PROTOCOL, requestCatchUp, serveCatchUp } from "./catch-up.js";
import { loadOrCreateIdentity } from "./identity.js";
import { decodePayload, encodePayload, maxPayloadBytes, roomMessageId } from "./payload.js";
import { swarmKeyOf } from "./room-key.js";
import type { BridgeHost, BridgeSettings, RunningBridge } from "./types.js";

type Node = Libp2p<{ pubsub: GossipSub }>;

/** Time one dial may take, the encrypted handshake included. */
const DIAL_TIMEOUT_MS = 5_000;
/** A connected bridge that has not joined our room's topic by then is in another room. */
const JOIN_TIMEOUT_MS = 10_000;
/** How often configured bridges that are neither connected nor waiting for a redial are looked at. */
const WATCH_INTERVAL_MS = 5_000;

/** The gossipsub topic of a room. */
export function topicOf(room: string): string {
  return `p2pchat/room/${room}`;
}

/** One configured bridge: dialled, and redialled for ever. */
interface Dialled {
  address: string;
  /** From /p2p/ in the address, or learnt at the first connection. */
  id: string;
  connected: boolean;
  since: number;
  lastError: string | undefined;
  dialling: boolean;
  readonly retry: RetryTimer;
}

/** A bridge that dialled us and is not one of ours to dial. */
interface Caller {
  address: string;
  connected: boolean;
  since: number;
}

export async function startBridge(settings: BridgeSettings, host: BridgeHost): Promise<RunningBridge> {
  const { key: privateKey, created } = await loadOrCreateIdentity(settings.identityFile);
  const topic = topicOf(settings.room);
  const maxMessageBytes = host.maxMessageBytes;
  const inbound = new InboundHandshakes();
  const protector = preSharedKey({ psk: swarmKeyOf(settings.key) });
  const node: Node = await createLibp2p({
    // Started once our listeners are on: a bridge that dials us at once must find them there.
    start: false,
    privateKey,
    addresses: { listen: settings.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: () => inbound.watch(protector()),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // Messages are signed by the bridge that publishes them; unsigned or forged ones are dropped.
        globalSignaturePolicy: "StrictSign",
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        msgIdFn: (message: Message) => roomMessageId(message.data, maxMessageBytes(), () =>
          message.type === "signed"
            ? `${message.from.toString()}/${message.sequenceNumber}`
            : createHash("sha256").update(message.data).digest("hex")),
        maxInboundDataLength: maxPayloadBytes(maxMessageBytes()),
      }),
    },
  });
  const bridge = new Bridge(node, topic, settings, host, inbound);
  try {
    await bridge.start();
  } catch (err) {
    await Promise.resolve(node.stop()).catch(() => undefined);
    throw err;
  }
  host.logger.info(`bridge: joined room ${JSON.stringify(settings.room)} as ${bridge.id}` +
    `${created ? ` (new identity in ${settings.identityFile})` : ` (identity ${settings.identityFile})`}; ` +
    `listening on ${bridge.addresses.join(", ") || "nothing (dialling only)"}; ` +
    `dialling ${settings.peers.join(", ") || "nobody"}`);
  return bridge;
}

class Bridge implements RunningBridge {
  readonly id: string;
  private readonly dialled: Dialled[];
  private readonly callers = new Map<string, Caller>();
  private readonly log: FloodSummary;
  private watch: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly node: Node,
    private readonly topic: string,
    private readonly settings: BridgeSettings,
    private readonly host: BridgeHost,
    inbound: InboundHandshakes,
  ) {
    this.id = node.peerId.toString();
    this.log = new FloodSummary(host.logger, { linesPerInterval: 10, intervalMs: 60_000, now: Date.now });
    inbound.refused = (address) => this.log.write("warn", `refused-inbound:${hostOf(address)}`, `refused connections from ${hostOf(address)}`,
      () => `bridge: refused a connection from ${address}: not the same room key (its encrypted handshake failed)`);
    node.addEventListener("connection:open", (event) => inbound.upgraded(event.detail.remoteAddr.toString()));
    this.dialled = settings.peers.map((address) => ({
      address,
      id: /\/p2p\/([^/]+)$/.exec(address)?.[1] ?? "",
      connected: false,
      since: Date.now(),
      lastError: undefined,
      dialling: false,
      retry: new RetryTimer(settings.retryMinMs, settings.retryMaxMs),
    }));
  }

  get addresses(): string[] {
    return this.node.getMultiaddrs().map((address) => address.toString());
  }

  async start(): Promise<void> {
    const pubsub = this.node.services.pubsub;
    pubsub.topicValidators.set(this.topic, (_source, message) => this.validate(message));
    this.node.addEventListener("peer:connect", (event) => void this.joined(event.detail));
    this.node.addEventListener("peer:disconnect", (event) => this.disconnected(event.detail));
    await serveCatchUp(this.node, () => ({ room: this.settings.room, messages: this.host.snapshot() }), {
      maxReplyBytes: this.settings.maxCatchUpBytes, timeoutMs: this.settings.catchUpTimeoutMs,
    });
    await this.node.start();
    pubsub.subscribe(this.topic);
    for (const entry of this.dialled) void this.dial(entry);
    this.watch = setInterval(() => {
      for (const entry of this.dialled) {
        if (!entry.connected && !entry.dialling && !entry.retry.pending) void this.dial(entry);
      }
    }, WATCH_INTERVAL_MS).unref();
  }

  publish(message: { id: string; peer_id: string; message: string }): void {
    if (this.stopped) return;
    this.node.services.pubsub.publish(this.topic, encodePayload(message)).then(
      () => this.host.stats.count("bridgePublished"),
      (err: Error) => this.host.logger.debug(`bridge: message ${message.id} not published: ${err.message}`),
    );
  }

  view(): BridgeView {
    const peers: BridgePeerView[] = this.dialled.map((entry) => ({
      id: entry.id,
      address: entry.address,
      connected: entry.connected,
      since: new Date(entry.since).toISOString(),
      ...(entry.lastError !== undefined ? { lastError: entry.lastError } : {}),
    }));
    const dialledIds = new Set(this.dialled.map((entry) => entry.id));
    for (const [id, caller] of this.callers) {
      if (dialledIds.has(id)) continue;
      peers.push({ id, address: caller.address, connected: caller.connected, since: new Date(caller.since).toISOString() });
    }
    return { id: this.id, room: this.settings.room, listen: this.addresses, peers };
  }

  flushLog(): void {
    this.log.flush();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watch);
    for (const entry of this.dialled) entry.retry.cancel();
    this.log.flush();
    await this.node.stop();
  }

  /**
   * Gossipsub's validator: a message from the room is accepted (delivered and forwarded) only if
   * it is a chat message by the protocol's rules and the intake takes it (or has it already).
   */
  private validate(message: Message): TopicValidatorResult {
    if (this.stopped || message.type !== "signed") return TopicValidatorResult.Reject;
    const publisher = message.from.toString();
    const decoded = decodePayload(message.data, this.host.maxMessageBytes());
    if (!decoded.ok) {
      this.host.stats.count("bridgeRejected");
      this.log.write("warn", `garbage:${publisher}`, `unusable messages from bridge ${publisher}`,
        () => `bridge: rejected a message published by ${publisher}: ${decoded.why}`);
      return TopicValidatorResult.Reject;
    }
    const verdict = this.host.receive(decoded.message, publisher);
    if (!verdict.ok) {
      this.host.stats.count("bridgeRejected");
      return TopicValidatorResult.Ignore;
    }
    this.host.stats.count("bridgeReceived");
    return TopicValidatorResult.Accept;
  }

  private async dial(entry: Dialled): Promise<void> {
    if (this.stopped || entry.dialling) return;
    entry.dialling = true;
    entry.retry.cancel();
    // How far the dial got: a failure in the encryption handshake means the room key differs.
    let stage = "connecting";
    try {
      const connection = await this.node.dial(multiaddr(entry.address), {
        signal: AbortSignal.timeout(DIAL_TIMEOUT_MS),
        onProgress: (event) => {
          if (event.type === "upgrader:encrypt-outbound-connection") stage = "encrypting";
          if (event.type === "upgrader:multiplex-outbound-connection") stage = "multiplexing";
        },
      });
      // Without /p2p/ in the address, only now do we know who answers there. It counts as
      // connected once it is in our room (joined()).
      entry.id = connection.remotePeer.toString();
      entry.retry.reset();
      const caller = this.callers.get(entry.id);
      this.callers.delete(entry.id);
      if (caller?.connected && !entry.connected) {
        entry.connected = true;
        entry.since = caller.since;
        entry.lastError = undefined;
      }
    } catch (err) {
      if (this.stopped) return;
      const why = dialFailure(err, stage);
      if (reasonOf(why) !== reasonOf(entry.lastError)) {
        // Said once per change of reason, not at every redial: a site that is down for an hour is
        // one line, and a wrong key is one line whichever way the handshake broke this time.
        this.host.logger.warn(`bridge: ${entry.address}: ${why}; redialling every ${this.settings.retryMaxMs / 1000} s at most`);
      } else {
        this.host.logger.debug(`bridge: ${entry.address}: ${why}`);
      }
      entry.lastError = why;
      if (entry.connected) {
        entry.connected = false;
        entry.since = Date.now();
      }
      entry.retry.schedule(() => void this.dial(entry));
    } finally {
      entry.dialling = false;
    }
  }

  /**
   * A bridge connected: it counts as connected once it is in our room (subscribed to our topic),
   * and only then do we ask it for its history. From that moment whatever we publish reaches it
   * by gossip, so its reply and the gossip leave no gap; a message published between the
   * connection and its subscription would otherwise reach nobody. The subscription is polled
   * rather than awaited as an event, which may have come and gone before we looked.
   */
  private async joined(peer: PeerId): Promise<void> {
    const pubsub = this.node.services.pubsub;
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    const inRoom = () => pubsub.getSubscribers(this.topic).some((subscriber) => subscriber.equals(peer));
    while (!this.stopped && !inRoom()) {
      if (this.node.getConnections(peer).length === 0) return;
      if (Date.now() > deadline) {
        this.host.logger.warn(`bridge: ${peer.toString()} is connected but not in room ${JSON.stringify(this.settings.room)} ` +
          `(another room with the same key?): nothing is exchanged with it`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.stopped) return;
    const address = this.node.getConnections(peer)[0]?.remoteAddr.toString() ?? "";
    this.markConnected(peer.toString(), address);
    await this.catchUp(peer);
  }

  private markConnected(id: string, address: string): void {
    const now = Date.now();
    const entries = this.dialled.filter((entry) => entry.id === id);
    if (entries.length > 0) {
      if (entries.every((entry) => entry.connected)) return;
      for (const entry of entries) {
        if (entry.connected) continue;
        entry.connected = true;
        entry.since = now;
        entry.lastError = undefined;
        entry.retry.reset();
      }
    } else {
      const caller = this.callers.get(id);
      if (caller?.connected) return;
      this.callers.set(id, { address, connected: true, since: now });
    }
    this.host.logger.info(`bridge: connected to ${id} at ${address} (room ${JSON.stringify(this.settings.room)})`);
  }

  private disconnected(peer: PeerId): void {
    if (this.stopped) return;
    const id = peer.toString();
    const now = Date.now();
    let known = false;
    for (const entry of this.dialled) {
      if (entry.id !== id || !entry.connected) continue;
      known = true;
      entry.connected = false;
      entry.since = now;
      entry.lastError = "connection lost";
      entry.retry.reset();
      entry.retry.schedule(() => void this.dial(entry));
    }
    const caller = this.callers.get(id);
    if (caller?.connected) {
      known = true;
      caller.connected = false;
      caller.since = now;
    }
    if (known) this.host.logger.warn(`bridge: lost ${id}${this.dialled.some((e) => e.id === id) ? "; redialling" : ""}`);
    // Callers that are gone are forgotten beyond a few: a flood of made-up identities must not grow this.
    if (this.callers.size > 256) {
      for (const [key, value] of this.callers) if (!value.connected) this.callers.delete(key);
    }
  }

  /**
   * Asks a newly connected bridge for its newest messages. What is new to us is merged like a
   * hello reply's history, goes on to our LAN (node.ts relays it) and is published to the room:
   * the other bridges of the room may have missed it too, and have it deduplicated if not.
   */
  private async catchUp(peer: PeerId): Promise<void> {
    const from = peer.toString();
    let reply: unknown;
    try {
      reply = await requestCatchUp(this.node, peer, {
        maxReplyBytes: this.settings.maxCatchUpBytes, timeoutMs: this.settings.catchUpTimeoutMs,
      });
    } catch (err) {
      if (!this.stopped) this.host.logger.info(`bridge: no catch-up from ${from}: ${(err as Error).message}`);
      return;
    }
    if (this.stopped) return;
    const { room, messages } = (typeof reply === "object" && reply !== null ? reply : {}) as { room?: unknown; messages?: unknown };
    // A bridge of another room with the same key: its history is not ours.
    if (room !== this.settings.room) return;
    const unknownIds = typeof messages === "object" && messages !== null
      ? Object.keys(messages).map((id) => normalizeMessageId(id)).filter((id): id is string => id !== undefined && this.host.stored(id) === undefined)
      : [];
    const report = this.host.receiveHistory(messages, from);
    if (report.added > 0) this.host.stats.count("bridgeCaughtUp", undefined, report.added);
    // With no other bridge in the room there is nobody to pass them on to.
    const others = this.node.services.pubsub.getSubscribers(this.topic).some((subscriber) => !subscriber.equals(peer));
    for (const id of others ? unknownIds : []) {
      const message = this.host.stored(id);
      if (message) this.publish({ id, ...message });
    }
    this.host.logger.info(`bridge: caught up with ${from}: ${report.total} messages, ${report.added} new`);
  }
}

/**
 * Inbound connections that pass the private network's nonce exchange and then never become a
 * libp2p connection: with another key, everything after the nonces is noise to us, so the
 * encryption handshake fails. libp2p says so only in its debug log; this says it in ours.
 */
class InboundHandshakes {
  /** Remote addresses of inbound connections past the nonces and not yet upgraded. */
  private readonly pending = new Set<string>();
  refused: (address: string) => void = () => undefined;

  watch(inner: ConnectionProtector): ConnectionProtector {
    return {
      protect: async (connection, options) => {
        const protectedConnection = await inner.protect(connection, options);
        if (connection.direction === "inbound") {
          const address = (connection as MessageStream & { remoteAddr?: { toString(): string } }).remoteAddr?.toString();
          if (address !== undefined && this.pending.size < 1_024) {
            this.pending.add(address);
            connection.addEventListener("close", () => {
              if (this.pending.delete(address)) this.refused(address);
            }, { once: true });
          }
        }
        return protectedConnection;
      },
    };
  }

  /** A connection was opened: its address (which gains /p2p/<id>) made it through. */
  upgraded(remoteAddr: string): void {
    this.pending.delete(remoteAddr.replace(/\/p2p\/[^/]+$/, ""));
  }
}

/** `/ip4/198.18.0.9/tcp/4001` → `198.18.0.9`: one log key per remote host, not per port. */
function hostOf(address: string): string {
  return address.split("/")[2] ?? address;
}

/** Why a dial failed, in words for the log and GET /peers. */
function dialFailure(err: unknown, stage: string): string {
  const error = err as Error & { code?: string };
  const text = `${error.name}: ${error.message}`;
  // With another key the private network's stream cipher turns everything after the nonces into
  // noise, so the next step, the encryption handshake, fails or waits for ever: that is what a
  // wrong key looks like.
  if (error.name === "EncryptionFailedError" || stage === "encrypting") {
    return `refused: not the same room key (the encrypted handshake failed: ${error.message})`;
  }
  if (/ECONNREFUSED/.test(text)) return "connection refused: no bridge listens there";
  if (error.name === "UnexpectedPeerError" || /unexpected peer|peer id/i.test(text)) return `another bridge answers there: ${error.message}`;
  if (error.name === "TimeoutError" || error.name === "AbortError" || /timed? ?out|aborted/i.test(text)) return "no answer in time";
  return text.slice(0, 300);
}

/** A dial failure's reason without its detail in parentheses (the system's error, which varies). */
function reasonOf(why: string | undefined): string | undefined {
  return why?.replace(/ \(.*\)$/, "");
}

export { CATCH_UP_PROTOCOL };
