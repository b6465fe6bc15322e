// A peer with switchable faults, the kind classmates write, for proving that each probe check
// fails when it should. It is a real peer over real sockets (UDP, TCP, HTTP), only wrong on purpose.
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { FrameDecoder } from "../../src/protocol/decoder.js";

export interface Faults {
  /** Never answers a UDP hello. */
  silentUdp?: boolean;
  /** Never connects to the peers it hears of. */
  noConnectBack?: boolean;
  /** Takes a new_message before hello. */
  acceptBeforeHello?: boolean;
  /** Takes any message_id. */
  storeBadIds?: boolean;
  /** Closes the connection on a line that is not JSON. */
  closeOnGarbage?: boolean;
  /** Answers status frames with an error. */
  answerStatus?: boolean;
  /** Reads one JSON document per line (no terminator: waits forever; pretty-printed: errors). */
  lineReader?: boolean;
  /** GET /messages answers {"messages":{...}}. */
  wrappedHttp?: boolean;
  /** Its clock counts microseconds: ids of 16 digits (`time.time_ns() // 1000`). */
  microsecondIds?: boolean;
  /** Keeps 100 messages of 60 KiB, so its hello reply is about 6 MB. */
  bigHistory?: boolean;
}

type Frame = Record<string, unknown>;
type Message = { peer_id: string; message: string };

export class SloppyPeer {
  readonly history = new Map<string, Message>();
  private readonly sockets = new Set<Socket>();
  private readonly outbound: Socket[] = [];
  private lastId = 0;

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly peerId: string,
    private readonly faults: Faults,
    private readonly tcp: Server,
    private readonly udp: UdpSocket,
    private readonly http: HttpServer,
  ) {}

  static async start(host: string, port: number, peerId: string, faults: Faults): Promise<SloppyPeer> {
    const tcp = createServer();
    const udp = createSocket("udp4");
    const http = createHttpServer();
    const peer = new SloppyPeer(host, port, peerId, faults, tcp, udp, http);
    if (faults.bigHistory) {
      for (let i = 0; i < 100; i++) peer.store(String(Date.now() - 100_000 + i), { peer_id: peerId, message: "x".repeat(60 * 1024) });
    }
    tcp.on("connection", (socket) => peer.serve(socket));
    udp.on("message", (data, remote) => peer.onDatagram(data, remote.address, remote.port));
    http.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/send") {
        const text = url.searchParams.get("message") ?? "";
        const id = peer.nextId();
        peer.store(id, { peer_id: peerId, message: text });
        for (const out of peer.outbound) out.write(JSON.stringify({ command: "new_message", message_id: id, message: text }) + "\n");
        res.end(JSON.stringify({ status: "ok" }));
      } else {
        const history = Object.fromEntries(peer.history);
        res.end(JSON.stringify(faults.wrappedHttp ? { messages: history } : history));
      }
    });
    await new Promise<void>((resolve) => tcp.listen({ host, port }, resolve));
    await new Promise<void>((resolve) => udp.bind({ address: host, port }, resolve));
    await new Promise<void>((resolve) => http.listen({ host, port: 0 }, resolve));
    return peer;
  }

  get httpBase(): string {
    return `http://${this.host}:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of [...this.sockets, ...this.outbound]) socket.destroy();
    this.http.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => this.tcp.close(resolve)),
      new Promise((resolve) => this.udp.close(() => resolve(undefined))),
      new Promise((resolve) => this.http.close(resolve)),
    ]);
  }

  private nextId(): string {
    const now = this.faults.microsecondIds ? Date.now() * 1000 : Date.now();
    this.lastId = Math.max(this.lastId + 1, now);
    return String(this.lastId);
  }

  private store(id: string, message: Message): void {
    this.history.set(id, message);
  }

  private onDatagram(data: Buffer, address: string, port: number): void {
    let frame: Frame;
    try {
      frame = JSON.parse(data.toString()) as Frame;
    } catch {
      return;
    }
    if (frame.command !== "hello" || frame.peer_id === this.peerId) return;
    if (!this.faults.silentUdp) this.udp.send(JSON.stringify({ status: "ok", peer_id: this.peerId }) + "\n", port, address);
    this.connectBack(address);
  }

  private connectBack(address: string): void {
    if (this.faults.noConnectBack || this.outbound.length > 0) return;
    const socket = connect({ host: address, port: this.port, localAddress: this.host });
    socket.on("error", () => undefined);
    socket.on("connect", () => socket.write(JSON.stringify({ command: "hello", peer_id: this.peerId }) + "\n"));
    this.outbound.push(socket);
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    let remote: string | undefined;
    const reply = (frame: Frame) => socket.write(JSON.stringify(frame) + "\n");
    const handle = (frame: unknown): void => {
      if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
        reply({ status: "error", message: "not an object" });
        return;
      }
      const f = frame as Frame;
      if (f.command === undefined && "status" in f) {
        if (this.faults.answerStatus) reply({ status: "error", message: "unknown command" });
        return;
      }
      if (f.command === "hello" && typeof f.peer_id === "string") {
        remote = f.peer_id;
        reply({ status: "ok", messages: Object.fromEntries(this.history) });
        this.connectBack((socket.remoteAddress ?? "").replace(/^::ffff:/, ""));
        return;
      }
      if (f.command === "new_message") {
        const id = typeof f.message_id === "number" ? String(f.message_id) : f.message_id;
        const idOk = typeof id === "string" && (this.faults.storeBadIds || /^\d{13,}$/.test(id));
        if (remote === undefined && !this.faults.acceptBeforeHello) reply({ status: "error", message: "hello first" });
        else if (!idOk || typeof f.message !== "string") reply({ status: "error", message: "bad new_message" });
        else {
          this.store(id, { peer_id: remote ?? String(f.peer_id), message: f.message });
          reply({ status: "ok" });
        }
        return;
      }
      reply({ status: "error", message: "unknown command" });
    };
    const garbage = () => {
      if (this.faults.closeOnGarbage) socket.destroy();
      else reply({ status: "error", message: "invalid JSON" });
    };

    if (this.faults.lineReader) {
      let buffered = "";
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => {
        buffered += text;
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          try {
            handle(JSON.parse(line));
          } catch {
            garbage();
          }
        }
      });
      return;
    }
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const decoded of decoder.push(chunk)) {
        if (decoded.ok) handle(decoded.value);
        else if (decoded.error.code === "E_NOT_OBJECT") handle([]);
        else garbage();
      }
    });
  }
}
