/**
 * The public shapes of the library (`import { createChatNode } from "p2pchat"`): its options, the
 * node it returns and what that node's events carry. docs/api.md documents each of them; the
 * daemon's own Config stays internal, so its sections can change without breaking users.
 */
import type { EventEmitter } from "node:events";
import type { PeerView } from "../http/wire.js";

/** One stored chat message: its id (the sender's clock in ms, docs/protocol.md "Identity"), sender, text. */
export interface ChatMessage {
  id: string;
  peer_id: string;
  message: string;
  /** The address of the host that delivered it; absent for our own. peer_id is only a claim. */
  via?: string;
}

/** A peer as GET /peers and the daemon's `peer` event show it (docs/http-api.md). */
export type ChatPeer = PeerView;

/** Where log lines go. `console` fits; so do pino, winston and most others. */
export interface ChatLogger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

export interface HttpOptions {
  /** Default 8000; 0 takes any free port (read it from `node.httpAddress`). */
  port?: number;
  /** Default "127.0.0.1": anyone who reaches the API can send as you. */
  bind?: string;
}

export interface ChatNodeOptions {
  /** Our name on the LAN. Default: the host name. */
  peerId?: string;
  /** Where discovery hellos are broadcast (several separated by commas). Default: every LAN interface's broadcast address. */
  broadcastAddress?: string;
  /** UDP discovery and TCP port; other peers are dialled on it too. Default 9876. */
  port?: number;
  /**
   * Address of the UDP and TCP sockets. Default "0.0.0.0", the only address that hears broadcasts;
   * another address confines the node to one interface (tests use 127.x addresses).
   */
  bindAddress?: string;
  /** The HTTP API and chat page: `false` runs none (the default), an object runs one. */
  http?: false | HttpOptions;
  /**
   * Static peers, "HOST[:PORT]" each ([PEERS] static): greeted by unicast every discovery interval
   * and dialled like any peer, on any routed network. Default: none.
   */
  peers?: string[];
  /** Keep the history in this file across restarts. Default: memory only. */
  historyFile?: string;
  /** Where the node logs. Default: nowhere (a library does not write to stderr uninvited). */
  logger?: ChatLogger;
}

export interface ChatNodeEvents {
  /** A message new to the history: ours (from send()), a peer's, or one loaded from historyFile. */
  message: [ChatMessage];
  /** Something about a peer changed: found, connected, disconnected, an error, its queue. */
  peer: [ChatPeer];
}

/** One peer on the LAN, as createChatNode() returns it. It runs once: start(), then stop(). */
export interface ChatNode extends EventEmitter<ChatNodeEvents> {
  /** Our peer_id, after defaults. */
  readonly peerId: string;
  /** Resolves once UDP, TCP (and HTTP, if asked for) listen; rejects if any cannot. */
  start(): Promise<void>;
  /** Closes every socket; the node cannot be started again. Safe to call more than once. */
  stop(): Promise<void>;
  /** Stores `text` as our message and sends it to every peer; resolves to the stored message. */
  send(text: string): Promise<ChatMessage>;
  /** The history, oldest first (a copy). */
  messages(): ChatMessage[];
  /** Every peer known, sorted by peer_id. */
  peers(): ChatPeer[];
  /** Where the HTTP API listens once started; undefined with `http: false` or before start(). */
  readonly httpAddress: { address: string; port: number } | undefined;
}
