/** The settings one running peer works with, after defaults, config file and flags are merged. */
export type LogLevel = "error" | "warn" | "info" | "debug";

export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

export interface Config {
  /** Our name on the LAN (docs/protocol.md "Identity"). */
  peerId: string;
  /** UDP discovery and the TCP server share this port; other peers are always reached on it too. */
  port: number;
  /**
   * Where discovery hellos are broadcast: one address, or several separated by commas; "" means
   * the broadcast address of every LAN interface, re-read at each hello (discovery/broadcast-targets.ts).
   */
  broadcastAddress: string;
  http: {
    port: number;
    bind: string;
  };
  discovery: {
    intervalMs: number;
    /** A peer not heard from for this long is no longer retried until it announces itself again. */
    peerTimeoutMs: number;
    /** Peers the table holds at most; a flood of made-up peer_ids must not grow it without end. */
    maxPeers: number;
  };
  peers: {
    /** HOST[:PORT] of peers reached by unicast, on any routed network (names resolved at each hello). */
    static: string[];
    /** A remembered peer not seen for this many days is forgotten (peers/remembered.ts). */
    forgetAfterDays: number;
  };
  history: {
    limit: number;
    /** Longest message text, in UTF-8 bytes, taken from a peer or from HTTP. */
    maxMessageBytes: number;
    /** Where the history is kept across restarts; "" keeps it in memory only. */
    file: string;
    /** Message ids further ahead of our clock are refused (policy/id-clock.ts). */
    maxIdAheadMs: number;
    /** New messages per second one peer_id, and one address, may bring on average, and at once. */
    peerRatePerSecond: number;
    peerBurst: number;
  };
  tcp: {
    connectTimeoutMs: number;
    helloTimeoutMs: number;
    ackTimeoutMs: number;
    retryMinMs: number;
    retryMaxMs: number;
    maxFrameBytes: number;
    maxHelloReplyBytes: number;
    /** Longest hello reply we give: the newest messages that fit (policy/reply-budget.ts). */
    helloReplyBudgetBytes: number;
    maxSendAttempts: number;
    /** Our messages waiting for one peer's ack; beyond it the oldest is dropped (and logged). */
    maxQueuedMessages: number;
    /** An accepted connection that has not said hello by then is closed. */
    introTimeoutMs: number;
    /** Unsent bytes held for a peer that does not read before its connection is dropped. */
    maxWriteBufferBytes: number;
    /** Accepted connections at once, in all and from one address. */
    maxConnections: number;
    maxConnectionsPerAddress: number;
  };
  log: {
    level: LogLevel;
  };
  /** The optional bridge to a libp2p room (src/bridge/); on when `listen` or `peers` is non-empty. */
  bridge: {
    /** Multiaddrs our bridge listens on, e.g. /ip4/0.0.0.0/tcp/9877. */
    listen: string[];
    /** Multiaddrs of other bridges, dialled and redialled for ever, with or without /p2p/<id>. */
    peers: string[];
    /** The room's name: one gossipsub topic per room. */
    room: string;
    /** Absolute path of the room key file (64 hex characters); "" when none is given. */
    keyFile: string;
    /** Where our libp2p identity is kept; "" for the default place (bridge/identity.ts). */
    identityFile: string;
  };
}
