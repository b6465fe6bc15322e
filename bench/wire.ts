// What the peers say to each other, read off captured packets: TCP streams put back in order, cut
// into frames by p2pchat's own decoder, and turned into protocol events. Pure (packets in, events
// out), so both implementations are observed the same way, from outside, without touching them.
//
// docs/protocol.md §2: the side that opens a connection (the client) sends commands on it; the side on
// port 9876 (the server) answers each in order. So on one connection the k-th `{"status":...}`
// answer after the hello reply acknowledges the k-th `new_message`, and the receiver sends that
// ack after storing the message: the ack leaving the receiver is the moment the message is in
// its history (both p2pchat and the reference peer store, then ack).
import { FrameDecoder } from "../src/protocol/decoder.js";
import { TCP_FIN, TCP_RST, TCP_SYN, type Packet } from "./pcap.js";

export const PROTOCOL_PORT = 9876;

export type WireEvent =
  /** A UDP hello broadcast (or unicast) from `from`: the first one marks a peer as started. */
  | { kind: "udp-hello"; time: number; from: string; peerId: string }
  /** The server answered a client's hello: the client's connection to the server is usable. */
  | { kind: "hello-reply"; time: number; client: string; server: string; historySize: number }
  /** The client sent a new_message on its connection to the server. */
  | { kind: "new-message"; time: number; client: string; server: string; id: string; text: string }
  /** The server acked (or refused) the oldest unanswered new_message of that connection. */
  | { kind: "ack"; time: number; client: string; server: string; id: string; text: string; sentTime: number; ok: boolean };

interface Stream {
  nextSeq: number | undefined;
  decoder: FrameDecoder;
}

interface Connection {
  client: string;
  server: string;
  toServer: Stream;
  toClient: Stream;
  /** new_messages sent and not yet answered, oldest first. */
  unanswered: Array<{ id: string; text: string; time: number }>;
  helloAnswered: boolean;
  /** A hole in either direction: answers can no longer be paired with their commands. */
  desynced: boolean;
}

export interface WireStats {
  packets: number;
  /** Segments whose bytes we had already (retransmissions). */
  duplicates: number;
  /** Holes in a stream (packets the capture missed): frames around them are lost. */
  gaps: number;
  badFrames: number;
  /** Answers that matched no new_message (should stay 0). */
  unmatchedAnswers: number;
}

/** The biggest hello reply we follow: a full history of long messages. */
const MAX_FRAME = 64 * 1024 * 1024;

export class WireObserver {
  private readonly connections = new Map<string, Connection>();
  readonly stats: WireStats = { packets: 0, duplicates: 0, gaps: 0, badFrames: 0, unmatchedAnswers: 0 };

  /** `inScope` picks the packets to follow (e.g. one LAN's subnet, one direction per packet). */
  constructor(private readonly inScope: (packet: Packet) => boolean = () => true) {}

  push(packet: Packet): WireEvent[] {
    if (!this.inScope(packet)) return [];
    this.stats.packets++;
    if (packet.protocol === "udp") return this.onDatagram(packet);
    const toServer = packet.dstPort === PROTOCOL_PORT;
    const toClient = packet.srcPort === PROTOCOL_PORT;
    if (toServer === toClient) return []; // not a protocol connection (or 9876 to 9876)
    const client = toServer ? packet.src : packet.dst;
    const clientPort = toServer ? packet.srcPort : packet.dstPort;
    const server = toServer ? packet.dst : packet.src;
    const key = `${client}:${clientPort}>${server}`;
    let connection = this.connections.get(key);
    if (!connection || (packet.flags & TCP_SYN && toServer && connection.toServer.nextSeq !== undefined)) {
      // A new connection (or the same port reused after the old one closed).
      connection = {
        client,
        server,
        toServer: { nextSeq: undefined, decoder: new FrameDecoder({ maxFrameBytes: MAX_FRAME }) },
        toClient: { nextSeq: undefined, decoder: new FrameDecoder({ maxFrameBytes: MAX_FRAME }) },
        unanswered: [],
        helloAnswered: false,
        desynced: false,
      };
      this.connections.set(key, connection);
    }
    const stream = toServer ? connection.toServer : connection.toClient;
    const bytes = this.inOrder(stream, packet, connection);
    const events: WireEvent[] = [];
    if (bytes && bytes.length > 0) {
      for (const decoded of stream.decoder.push(bytes)) {
        if (!decoded.ok) {
          this.stats.badFrames++;
          continue;
        }
        const event = toServer ? this.fromClient(connection, decoded.value, packet.time) : this.fromServer(connection, decoded.value, packet.time);
        if (event) events.push(event);
      }
    }
    if (packet.flags & (TCP_FIN | TCP_RST) && toServer) {
      // The client is done with this connection; what it left unanswered is not delivered.
      this.connections.delete(key);
    }
    return events;
  }

  /** Bytes of this segment not seen before, or undefined after a hole (the stream is resynced). */
  private inOrder(stream: Stream, packet: Packet, connection: Connection): Buffer | undefined {
    const length = packet.payload.length;
    if (packet.flags & TCP_SYN) {
      stream.nextSeq = (packet.seq + 1) >>> 0;
      return undefined;
    }
    if (length === 0) return undefined;
    if (stream.nextSeq === undefined) {
      // Joined mid-stream (capture started late): take it from here.
      stream.nextSeq = packet.seq;
    }
    const ahead = (packet.seq - stream.nextSeq) | 0; // signed distance, modulo 2^32
    if (ahead > 0) {
      this.stats.gaps++;
      connection.desynced = true;
      connection.unanswered = [];
      stream.decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME });
      stream.nextSeq = (packet.seq + length) >>> 0;
      return undefined;
    }
    const overlap = -ahead;
    if (overlap >= length) {
      this.stats.duplicates++;
      return undefined;
    }
    stream.nextSeq = (packet.seq + length) >>> 0;
    return packet.payload.subarray(overlap);
  }

  private fromClient(connection: Connection, frame: Record<string, unknown>, time: number): WireEvent | undefined {
    if (frame.command !== "new_message") return undefined;
    const id = String(frame.message_id);
    const text = typeof frame.message === "string" ? frame.message : "";
    if (!connection.desynced) connection.unanswered.push({ id, text, time });
    return { kind: "new-message", time, client: connection.client, server: connection.server, id, text };
  }

  private fromServer(connection: Connection, frame: Record<string, unknown>, time: number): WireEvent | undefined {
    if (frame.command !== undefined || !("status" in frame)) return undefined;
    if (!connection.helloAnswered && "messages" in frame) {
      connection.helloAnswered = true;
      const messages = frame.messages;
      const historySize = typeof messages === "object" && messages !== null ? Object.keys(messages).length : 0;
      return { kind: "hello-reply", time, client: connection.client, server: connection.server, historySize };
    }
    const sent = connection.desynced ? undefined : connection.unanswered.shift();
    if (!sent) {
      // A refused hello (no history in it) is the first answer too; anything else is a mismatch.
      if (connection.helloAnswered) this.stats.unmatchedAnswers++;
      connection.helloAnswered = true;
      return undefined;
    }
    return {
      kind: "ack",
      time,
      client: connection.client,
      server: connection.server,
      id: sent.id,
      text: sent.text,
      sentTime: sent.time,
      ok: frame.status === "ok",
    };
  }

  private onDatagram(packet: Packet): WireEvent[] {
    if (packet.dstPort !== PROTOCOL_PORT) return [];
    let frame: unknown;
    try {
      frame = JSON.parse(packet.payload.toString("utf8"));
    } catch {
      return [];
    }
    const { command, peer_id: peerId } = (frame ?? {}) as Record<string, unknown>;
    if (command !== "hello" || typeof peerId !== "string") return [];
    return [{ kind: "udp-hello", time: packet.time, from: packet.src, peerId }];
  }
}
