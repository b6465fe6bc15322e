// A streaming reader of the classic pcap format (what `tcpdump -w -` writes), down to IPv4 TCP and
// UDP packets. Pure: bytes in, packets out; unit-tested in test/bench/pcap.test.ts.
//
// Formats: pcap file header and record headers (https://www.tcpdump.org/manual/pcap-savefile.html);
// link types LINUX_SLL (113) and LINUX_SLL2 (276), which `-i any` produces, and Ethernet (1);
// then IPv4 (RFC 791), TCP (RFC 9293) and UDP (RFC 768) headers.

export interface Packet {
  /** Capture time, ms since 1970 with µs (or ns) precision, from the kernel's timestamp. */
  time: number;
  /** "in" if the capturing host received it on that interface, "out" if it sent it. */
  direction: "in" | "out" | "unknown";
  protocol: "tcp" | "udp";
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** TCP only (0 for UDP). */
  seq: number;
  /** TCP flags byte: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10. */
  flags: number;
  payload: Buffer;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const ETHERTYPE_IPV4 = 0x0800;
/** Linux packet types (linux/if_packet.h): PACKET_OUTGOING is 4, the others are received. */
const PACKET_OUTGOING = 4;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

export class PcapReader {
  private buffer: Buffer = Buffer.alloc(0);
  private littleEndian = true;
  private nanoseconds = false;
  private linkType = -1;
  /** Records whose link layer or protocol we do not follow (IPv6, ARP, ICMP, ...). */
  skipped = 0;

  /** Feeds the next bytes of the capture stream; returns the TCP/UDP packets they complete. */
  push(chunk: Buffer): Packet[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: Packet[] = [];
    let offset = 0;
    if (this.linkType < 0) {
      if (this.buffer.length < GLOBAL_HEADER) return out;
      this.readGlobalHeader(this.buffer);
      offset = GLOBAL_HEADER;
    }
    for (;;) {
      if (this.buffer.length - offset < RECORD_HEADER) break;
      const u32 = (at: number) => (this.littleEndian ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at));
      const seconds = u32(offset);
      const fraction = u32(offset + 4);
      const captured = u32(offset + 8);
      if (this.buffer.length - offset - RECORD_HEADER < captured) break;
      const data = this.buffer.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + captured);
      const time = seconds * 1000 + (this.nanoseconds ? fraction / 1e6 : fraction / 1e3);
      const packet = this.decode(data, time);
      if (packet) out.push(packet);
      else this.skipped++;
      offset += RECORD_HEADER + captured;
    }
    // Keep only the unfinished record; copy it so the big chunk it came from can be freed.
    this.buffer = offset === 0 ? this.buffer : Buffer.from(this.buffer.subarray(offset));
    return out;
  }

  private readGlobalHeader(header: Buffer): void {
    const magic = header.readUInt32LE(0);
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.littleEndian = true;
    else if (header.readUInt32BE(0) === 0xa1b2c3d4 || header.readUInt32BE(0) === 0xa1b23c4d) this.littleEndian = false;
    else throw new Error(`not a pcap stream (magic 0x${magic.toString(16)})`);
    const magicValue = this.littleEndian ? magic : header.readUInt32BE(0);
    this.nanoseconds = magicValue === 0xa1b23c4d;
    this.linkType = (this.littleEndian ? header.readUInt32LE(20) : header.readUInt32BE(20)) & 0x0fffffff;
    if (![LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2].includes(this.linkType)) {
      throw new Error(`pcap link type ${this.linkType} is not supported (Ethernet, LINUX_SLL, LINUX_SLL2 are)`);
    }
  }

  private decode(data: Buffer, time: number): Packet | undefined {
    let ip: number;
    let etherType: number;
    let direction: Packet["direction"] = "unknown";
    if (this.linkType === LINKTYPE_LINUX_SLL) {
      if (data.length < 16) return undefined;
      direction = data.readUInt16BE(0) === PACKET_OUTGOING ? "out" : "in";
      etherType = data.readUInt16BE(14);
      ip = 16;
    } else if (this.linkType === LINKTYPE_LINUX_SLL2) {
      if (data.length < 20) return undefined;
      etherType = data.readUInt16BE(0);
      direction = data[10] === PACKET_OUTGOING ? "out" : "in";
      ip = 20;
    } else {
      if (data.length < 14) return undefined;
      etherType = data.readUInt16BE(12);
      ip = 14;
    }
    if (etherType !== ETHERTYPE_IPV4 || data.length < ip + 20) return undefined;
    if (data[ip]! >> 4 !== 4) return undefined;
    const ipHeader = (data[ip]! & 0x0f) * 4;
    const total = data.readUInt16BE(ip + 2);
    const protocolNumber = data[ip + 9];
    // Fragments never happen on this LAN (small frames, MTU 1500 everywhere); skip them if they do.
    if ((data.readUInt16BE(ip + 6) & 0x3fff) !== 0) return undefined;
    const end = Math.min(data.length, ip + total);
    const src = `${data[ip + 12]}.${data[ip + 13]}.${data[ip + 14]}.${data[ip + 15]}`;
    const dst = `${data[ip + 16]}.${data[ip + 17]}.${data[ip + 18]}.${data[ip + 19]}`;
    const l4 = ip + ipHeader;
    if (protocolNumber === 6) {
      if (end < l4 + 20) return undefined;
      const tcpHeader = (data[l4 + 12]! >> 4) * 4;
      return {
        time,
        direction,
        protocol: "tcp",
        src,
        srcPort: data.readUInt16BE(l4),
        dst,
        dstPort: data.readUInt16BE(l4 + 2),
        seq: data.readUInt32BE(l4 + 4),
        flags: data[l4 + 13]!,
        payload: data.subarray(Math.min(end, l4 + tcpHeader), end),
      };
    }
    if (protocolNumber === 17) {
      if (end < l4 + 8) return undefined;
      return {
        time,
        direction,
        protocol: "udp",
        src,
        srcPort: data.readUInt16BE(l4),
        dst,
        dstPort: data.readUInt16BE(l4 + 2),
        seq: 0,
        flags: 0,
        payload: data.subarray(l4 + 8, end),
      };
    }
    return undefined;
  }
}
