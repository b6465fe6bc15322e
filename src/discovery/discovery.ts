import { createSocket, type Socket } from "node:dgram";
import { errorText } from "../log/error-text.js";
import type { Logger } from "../log/logger.js";
import { decodeDatagram } from "../protocol/decoder.js";
import { encodeFrame } from "../protocol/encoder.js";
import { isPeerId } from "../protocol/peer-id.js";
import { broadcastTargets, currentInterfaces, type InterfaceBroadcast } from "./broadcast-targets.js";
import { isLocalAddress } from "./local-address.js";
import { lookupLiteral } from "./literal-lookup.js";
import { receiveStraight, type DatagramSource } from "./receive-route.js";
import { RepeatedDatagrams, type RepeatedDatagram } from "./repeated-datagrams.js";
import { sendUnreported } from "./send-route.js";

export interface DiscoveryOptions {
  peerId: string;
  /** The protocol port (docs/protocol.md "Identity and ports"); 0 in tests picks a free one. */
  port: number;
  /** Comma-separated addresses; "" broadcasts on every LAN interface (broadcast-targets.ts). */
  broadcastAddress: string;
  intervalMs: number;
  /** This host's interfaces now; read at every hello when no broadcast address is configured, so
   *  an interface that comes up is broadcast on at once. */
  interfaces: () => InterfaceBroadcast[];
  /** Where our hello also goes by unicast (static and remembered peers, unicast-targets.ts). */
  unicastTargets: () => Promise<Array<{ address: string; port: number }>>;
  logger: Logger;
  /** Where the socket listens; 0.0.0.0 is the only address that also receives broadcasts. */
  bindAddress: string;
  /**
   * A peer said hello or answered ours: its TCP server is at `address` (docs/protocol.md §1).
   * A callback rather than an event: it comes with every datagram of every peer, and an emit
   * made an array of its arguments each time, at idle a tenth of what a peer allocated
   * (bench/analysis.md "Idle CPU").
   */
  onPeer: (peerId: string, address: string, via: "udp-hello" | "udp-answer") => void;
}

/** What may change while discovery runs (config reload). */
export type DiscoverySettings = Pick<DiscoveryOptions, "broadcastAddress" | "intervalMs">;

/** docs/protocol.md §1: port 9876, a hello every 5 seconds. */
const DEFAULTS: Omit<DiscoveryOptions, "peerId" | "logger"> = {
  port: 9876,
  broadcastAddress: "",
  intervalMs: 5_000,
  bindAddress: "0.0.0.0",
  interfaces: currentInterfaces,
  unicastTargets: () => Promise.resolve([]),
  onPeer: () => {},
};

const MAX_DATAGRAM_BYTES = 65_536;

/**
 * How long after a broadcast hello the unicast ones wait (at most a quarter of the interval): a
 * peer that answers the broadcast within it hears our broadcasts and gets no unicast hello this
 * interval. Peers on a LAN answer within a few ms.
 */
const UNICAST_AFTER_BROADCAST_MS = 250;

/** Addresses noted as answering one broadcast: no more than a room has peers, and then some. */
const MAX_ANSWERS_NOTED = 4_096;
/** Addresses whose last hello and answer are kept to know them again, and the longest kept (repeated-datagrams.ts). */
const MAX_REPEATED_ADDRESSES = 1_024;
const MAX_REPEATED_BYTES = 1_024;

function isUsablePort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}

/**
 * UDP discovery (docs/protocol.md §1): broadcast a hello once started and every interval, answer every
 * hello, and report each peer heard. Answers leave from the same socket, bound to the protocol
 * port, because some peers connect to the source port they see (docs/protocol.md "What real peers do").
 */
export class Discovery {
  private readonly socket: Socket;
  /** The hello's interval, from startHellos() on. */
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly hello: Buffer;
  private readonly answer: Buffer;
  /** The last outcome of a send, per address: a link that is down is said once, not every hello. */
  private readonly lastSendError = new Map<string, string | undefined>();
  /** The broadcast addresses of the last hello, to say when the list changes. */
  private lastBroadcasts = "";
  private readonly impostorsLogged = new Set<string>();
  /** Datagrams whose handling threw; only the first is logged. */
  private faults = 0;
  /** Who answered since our last broadcast hello, while its unicast hellos wait (announce). */
  private answeredBroadcast: Set<string> | undefined;
  private readonly repeated = new RepeatedDatagrams(MAX_REPEATED_ADDRESSES, MAX_REPEATED_BYTES);
  /** The unicast hellos of this interval, waiting for the answers to its broadcast. */
  private unicastTimer: NodeJS.Timeout | undefined;
  private readonly options: DiscoveryOptions;

  constructor(options: Partial<DiscoveryOptions> & Pick<DiscoveryOptions, "peerId" | "logger">) {
    this.options = { ...DEFAULTS, ...options };
    this.hello = encodeFrame({ command: "hello", peer_id: this.options.peerId });
    this.answer = encodeFrame({ status: "ok", peer_id: this.options.peerId });
    this.socket = createSocket({ type: "udp4", reuseAddr: true, lookup: lookupLiteral });
    // Where this Node's socket is not as expected, datagrams come as events (receive-route.ts).
    this.socket.on("message", (data, remote) => this.receive(data, remote));
    this.socket.on("error", (err) => this.options.logger.warn(`UDP socket error: ${err.message}`));
  }

  /** Binds the socket: from then on we hear hellos and answer them. Our own start with startHellos(). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once("error", reject);
      this.socket.bind({ port: this.options.port, address: this.options.bindAddress }, () => {
        this.socket.off("error", reject);
        this.socket.setBroadcast(true);
        receiveStraight(this.socket, (data, remote) => this.receive(data, remote));
        resolve();
      });
    });
  }

  /**
   * Says our first hello now, and one every interval from now on. Apart from start() because every
   * peer that hears the first one answers and connects at once: whoever starts us says it when the
   * rest of its start is done (ChatNode.start(), `firstHello`). Once only; never after stop().
   */
  startHellos(): void {
    if (this.timer || this.stopped) return;
    this.announce();
    this.timer = setInterval(() => this.announce(), this.options.intervalMs);
  }

  get port(): number {
    return this.socket.address().port;
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.unicastTimer);
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }

  /**
   * New broadcast address or interval (config reload). The next hello goes to the new address;
   * a new interval starts counting now.
   */
  reconfigure(settings: Partial<DiscoverySettings>): void {
    if (settings.broadcastAddress !== undefined) this.options.broadcastAddress = settings.broadcastAddress;
    if (settings.intervalMs === undefined || settings.intervalMs === this.options.intervalMs) return;
    this.options.intervalMs = settings.intervalMs;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.announce(), this.options.intervalMs);
    }
  }

  /**
   * Sends our hello now: broadcast to every configured address, or every LAN interface's, and by
   * unicast to every static and remembered peer (docs/getting-started.md "Across networks") that
   * did not answer the broadcast. A peer on our LAN, remembered since it was last connected, hears
   * the broadcast: a unicast hello as well made it answer twice, and doubled the datagrams of a
   * room at idle. So the unicast hellos wait a moment for the broadcast's answers, and go to the
   * peers that gave none: those across a router, behind a link that drops broadcasts, or that do
   * not answer hellos at all (as before). With no unicast target nothing waits.
   */
  announce(): void {
    const broadcasts = broadcastTargets(this.options.broadcastAddress, this.options.interfaces);
    const listed = broadcasts.join(", ");
    if (listed !== this.lastBroadcasts) {
      this.lastBroadcasts = listed;
      this.options.logger.info(listed === "" ? "no LAN interface to broadcast on (yet): hellos go by unicast only"
        : `hellos broadcast to ${listed}`);
    }
    clearTimeout(this.unicastTimer);
    const answered = broadcasts.length > 0 ? new Set<string>() : undefined;
    this.answeredBroadcast = answered;
    for (const address of broadcasts) this.send(this.hello, this.options.port, address);
    const sentAt = Date.now();
    this.options.unicastTargets().then((targets) => {
      // Also the end of noting answers (at idle, one per hello of every peer), however soon it comes.
      const sendUnanswered = () => {
        if (this.answeredBroadcast === answered) this.answeredBroadcast = undefined;
        if (this.stopped) return;
        for (const { address, port } of targets) {
          if (answered?.has(address) !== true) this.send(this.hello, port, address);
        }
      };
      // Nothing to wait for: no unicast target, no broadcast whose answers could spare one, or stopped.
      if (targets.length === 0 || answered === undefined || this.stopped) {
        sendUnanswered();
        return;
      }
      // A host name to resolve may have taken part of the wait already.
      const wait = Math.min(UNICAST_AFTER_BROADCAST_MS, this.options.intervalMs / 4) - (Date.now() - sentAt);
      this.unicastTimer = setTimeout(sendUnanswered, Math.max(0, wait));
      this.unicastTimer.unref();
    }, (err: unknown) => this.options.logger.warn(`unicast hellos not sent: ${errorText(err)}`));
  }

  /**
   * Sends one datagram. `reported`: whether its outcome is logged (a link that fails, and works
   * again), which takes a callback; without one dgram sends at once, where a callback costs a
   * request, its completion in the next turn of the loop and a second call into JavaScript: for
   * answers, one per hello of every peer (in a mesh of 40, eight a second). An unreported send
   * goes straight to the socket's handle (send-route.ts).
   */
  private send(data: Buffer, port: number, address: string, reported = true): void {
    try {
      if (reported) this.trySend(data, port, address);
      else sendUnreported(this.socket, data, port, address);
    } catch (err) {
      // dgram throws synchronously for what it cannot even try (a bad port, an address it cannot
      // parse); the source of a datagram is whatever its sender forged, so this is input, not a bug.
      this.options.logger.debug(`UDP send to ${address}:${port} refused: ${errorText(err)}`);
    }
  }

  private trySend(data: Buffer, port: number, address: string): void {
    this.socket.send(data, port, address, (err) => {
      // A link that is down fails every send: say so once, and once when it works again.
      const problem = err ? `${(err as NodeJS.ErrnoException).code ?? err.message}` : undefined;
      const before = this.lastSendError.get(address);
      if (problem !== before) {
        if (problem) this.options.logger.warn(`UDP send to ${address}:${port} failed: ${err?.message}`);
        else if (before) this.options.logger.info(`UDP sends to ${address} work again`);
      }
      // Bounded: only addresses we chose to send to, or answered, are kept, and a success clears one.
      if (problem === undefined) this.lastSendError.delete(address);
      else if (this.lastSendError.size < 1_000) this.lastSendError.set(address, problem);
    });
  }

  /**
   * The boundary between the network and our code: a datagram is anyone's bytes, and whatever
   * goes wrong with one (a bug included) costs that datagram, never the process. One datagram
   * sent to the broadcast address reaches every peer on the LAN at once.
   */
  private receive(data: Buffer, remote: DatagramSource): void {
    try {
      this.onDatagram(data, remote);
    } catch (err) {
      if (this.faults++ === 0) this.options.logger.error(`handling a datagram from ${remote.address}:${remote.port} failed: ${errorText(err)}`);
    }
  }

  private onDatagram(data: Buffer, remote: DatagramSource): void {
    const said = this.repeated.match(remote.address, data) ?? this.check(data, remote);
    if (said !== undefined) this.accept(said, remote);
  }

  /**
   * What a datagram new from its address says: a hello or an answer from another peer, noted for
   * when its bytes come again (repeated-datagrams.ts), or undefined for one that is ignored.
   */
  private check(data: Buffer, remote: DatagramSource): RepeatedDatagram | undefined {
    const { logger, peerId: ownId } = this.options;
    // docs/protocol.md "What real peers do": garbage over UDP is ignored, never answered.
    const decoded = decodeDatagram(data, MAX_DATAGRAM_BYTES);
    if (!decoded.ok) {
      logger.debug(`ignored UDP datagram from ${remote.address}:${remote.port}: ${decoded.error.message}`);
      return undefined;
    }
    const frame = decoded.value;
    const peerId = frame.peer_id;
    if (!isPeerId(peerId)) {
      logger.debug(`ignored UDP frame from ${remote.address}: no usable peer_id`);
      return undefined;
    }
    const isHello = frame.command === "hello";
    const isAnswer = frame.command === undefined && frame.status === "ok";
    if (!isHello && !isAnswer) {
      logger.debug(`ignored UDP frame from ${remote.address}: neither hello nor answer`);
      return undefined;
    }
    if (peerId === ownId) {
      // Our own broadcast comes back to us; the same id from elsewhere is a clash worth telling.
      if (!this.impostorsLogged.has(remote.address) && !isLocalAddress(remote.address)) {
        this.impostorsLogged.add(remote.address);
        logger.warn(`a peer at ${remote.address} uses our peer_id ${JSON.stringify(ownId)}: not connecting to it`);
      }
      return undefined;
    }
    const said = { peerId, isHello };
    this.repeated.note(remote.address, data, said);
    return said;
  }

  /** A hello or an answer from another peer: the peer is seen, and a hello answered. */
  private accept({ peerId, isHello }: RepeatedDatagram, remote: DatagramSource): void {
    // An answer while the unicast hellos wait: this peer hears our broadcast (announce).
    const answered = this.answeredBroadcast;
    if (!isHello && answered !== undefined && answered.size < MAX_ANSWERS_NOTED) answered.add(remote.address);
    try {
      this.options.onPeer(peerId, remote.address, isHello ? "udp-hello" : "udp-answer");
    } finally {
      // After the peer is handled, as when dns.lookup() sent the answer a tick later: our
      // connection to a peer that just said hello is on its way before the answer wakes it
      // (bench/analysis.md "Idle CPU"). A raw socket can send from port 0, which cannot be
      // answered (dgram would throw); the hello still tells us where the peer's TCP server is,
      // since that is always the protocol port. Sent unreported (see send): an answer that fails
      // is no news, the peer that said hello connects to us anyway once it hears our own hello,
      // whose sends are reported.
      if (isHello && isUsablePort(remote.port)) this.send(this.answer, remote.port, remote.address, false);
    }
  }
}
