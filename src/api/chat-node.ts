/**
 * The node a library user holds: the daemon's ChatNode (src/node.ts) behind a small, stable face.
 * It adds what a caller in the same process needs and the HTTP API gave the daemon's users: a
 * run-once life cycle with clear errors, checked send(), and events in the public shapes.
 */
import { EventEmitter } from "node:events";
import type { Config } from "../config/types.js";
import type { StoredMessage } from "../history/history.js";
import { peerView, peerViews } from "../http/peer-view.js";
import { ChatNode as CoreNode } from "../node.js";
import type { PeerInfo } from "../peers/peer-table.js";
import { adaptLogger } from "./logger.js";
import type { ResolvedOptions } from "./options.js";
import type { ChatMessage, ChatNode, ChatNodeEvents, ChatPeer } from "./types.js";
import { isOverBytes } from "../protocol/message-size.js";

type State = "new" | "starting" | "running" | "stopped";

export class LibraryChatNode extends EventEmitter<ChatNodeEvents> implements ChatNode {
  private readonly core: CoreNode;
  private readonly config: Config;
  private readonly http: boolean;
  private state: State = "new";
  private starting: Promise<void> | undefined;

  constructor(options: ResolvedOptions) {
    super();
    this.config = options.config;
    this.http = options.http;
    this.core = new CoreNode(options.config, adaptLogger(options.logger), {
      bindAddress: options.bindAddress,
      http: options.http,
    });
    this.core.history.on("message", (message: StoredMessage) => this.deliver("message", toMessage(message)));
    // A peer changes with every datagram it sends, and its view (the diagnosis) costs a little:
    // worked out only while someone listens for "peer".
    const onPeer = (peer: PeerInfo) => this.deliver("peer", peerView(peer, this.viewContext()));
    const emitter = this as EventEmitter;
    emitter.on("newListener", (event: string | symbol) => {
      if (event === "peer" && this.listenerCount("peer") === 0) this.core.peers.on("change", onPeer);
    });
    emitter.on("removeListener", (event: string | symbol) => {
      if (event === "peer" && this.listenerCount("peer") === 0) this.core.peers.off("change", onPeer);
    });
  }

  get peerId(): string {
    return this.config.peerId;
  }

  get httpAddress(): { address: string; port: number } | undefined {
    if (!this.http || this.state !== "running") return undefined;
    const { address, port } = this.core.httpAddress;
    return { address, port };
  }

  start(): Promise<void> {
    if (this.state !== "new") {
      return Promise.reject(new Error(this.state === "stopped"
        ? "start(): this node has been stopped and cannot run again: create a new one with createChatNode()"
        : "start(): already called"));
    }
    this.state = "starting";
    this.starting = this.core.start().then(
      () => {
        // stop() may have come while we started; it then owns the outcome.
        if (this.state === "starting") this.state = "running";
      },
      (err: unknown) => {
        this.state = "stopped"; // ChatNode.start() has closed what it had opened
        throw err;
      },
    );
    return this.starting;
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    // Closing sockets that are still being opened would race the start; let it finish first.
    await this.starting?.catch(() => undefined);
    await this.core.stop();
  }

  async send(text: string): Promise<ChatMessage> {
    if (this.state !== "running") {
      throw new Error(this.state === "stopped"
        ? "send(): the node is stopped"
        : "send(): the node is not started yet: await start() first");
    }
    if (typeof text !== "string") throw new TypeError(`send(): expected the text as a string, got ${typeof text}`);
    if (text === "") throw new RangeError("send(): expected a non-empty text");
    const max = this.config.history.maxMessageBytes;
    // Peers refuse longer messages (and so does our own store from them): better to say so here.
    if (isOverBytes(text, max)) throw new RangeError(`send(): the text is over ${max} bytes (UTF-8)`);
    return toMessage(this.core.send(text));
  }

  messages(): ChatMessage[] {
    return this.core.history.list().map(toMessage);
  }

  peers(): ChatPeer[] {
    return peerViews(this.core.peers.list(), this.viewContext());
  }

  private viewContext(): { port: number; now: number } {
    return { port: this.config.port, now: Date.now() };
  }

  /**
   * Emits to the user's listeners from inside the node's own work (a frame being handled, a
   * message being stored). A listener that throws must not cut that work short and leave the node
   * half-updated, so its error is thrown again on the next tick, where it surfaces as any uncaught
   * exception does.
   */
  private deliver<E extends keyof ChatNodeEvents>(event: E, ...args: ChatNodeEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: ChatNodeEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

/** A fresh object each time: what a user keeps or changes is never the history's own. */
function toMessage(message: StoredMessage): ChatMessage {
  return { id: message.id, peer_id: message.peer_id, message: message.message, ...(message.via !== undefined ? { via: message.via } : {}) };
}
