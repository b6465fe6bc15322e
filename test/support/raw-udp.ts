import { spawn } from "node:child_process";

// Node's dgram cannot send from port 0 or forge a source address; a raw socket can, and any
// classmate with root on a laptop has one. This sends one UDP datagram built by hand, through
// python3's raw socket (the tests need python3 for the reference peer anyway).
const SEND_RAW = `
import socket, struct, sys
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
payload = sys.stdin.buffer.read()
udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload  # checksum 0: none (IPv4)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IPPROTO_RAW: we write the IP header
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)  # the destination may be a broadcast address
s.sendto(ip + udp, (dst, 0))
`;

export interface RawDatagram {
  /** Source address written into the IP header: whatever the sender wants us to believe. */
  from: string;
  fromPort: number;
  to: string;
  toPort: number;
  /** At most about 65,000 bytes: it must fit one IP packet. */
  payload: Buffer | string;
  /** Run the sender inside this network namespace. */
  netns?: string;
}

/** Sends one forged datagram; rejects with python's words if it could not (not root, no python3). */
export function sendRawUdp(datagram: RawDatagram): Promise<void> {
  const args = ["-c", SEND_RAW, datagram.from, String(datagram.fromPort), datagram.to, String(datagram.toPort)];
  const child = datagram.netns
    ? spawn("ip", ["netns", "exec", datagram.netns, "python3", ...args], { stdio: ["pipe", "ignore", "pipe"] })
    : spawn("python3", args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(Buffer.from(datagram.payload));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`raw UDP send failed: ${stderr.trim()}`))));
  });
}

/** Raw sockets need root (CAP_NET_RAW); the tests that forge datagrams skip without it. */
export function canSendRaw(): boolean {
  return process.getuid?.() === 0;
}

const SEND_MANY = `
import json, socket, struct, sys, time
dst, dport = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for line in sys.stdin:
    d = json.loads(line)
    payload = bytes.fromhex(d["payload"])
    udp = struct.pack("!HHHH", d["fromPort"], dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(d["from"]), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
    time.sleep(0.0005)  # paced: a burst of hundreds overflows the receivers' socket buffers
`;

/** Sends many forged datagrams to one destination from one python process (one per datagram is slow). */
export function sendRawUdpMany(
  target: { to: string; toPort: number; netns?: string },
  datagrams: Array<{ from: string; fromPort: number; payload: Buffer | string }>,
): Promise<void> {
  const args = ["-c", SEND_MANY, target.to, String(target.toPort)];
  const child = target.netns
    ? spawn("ip", ["netns", "exec", target.netns, "python3", ...args], { stdio: ["pipe", "ignore", "pipe"] })
    : spawn("python3", args, { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(datagrams.map((d) => JSON.stringify({ from: d.from, fromPort: d.fromPort, payload: Buffer.from(d.payload).toString("hex") })).join("\n") + "\n");
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`raw UDP send failed: ${stderr.trim()}`))));
  });
}
