// The pcap reader on captures built byte by byte here, in the layouts tcpdump writes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PcapReader, type Packet } from "../../bench/pcap.js";

export interface FakePacket {
  time: number; // ms
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  seq?: number;
  flags?: number;
  payload?: string | Buffer;
  udp?: boolean;
  outgoing?: boolean;
}

const ip = (a: string) => Buffer.from(a.split(".").map(Number));

/** An IPv4 packet with a TCP or UDP header, as on the wire. */
function ipv4(p: FakePacket): Buffer {
  const payload = typeof p.payload === "string" ? Buffer.from(p.payload) : p.payload ?? Buffer.alloc(0);
  let l4: Buffer;
  if (p.udp) {
    l4 = Buffer.alloc(8);
    l4.writeUInt16BE(p.srcPort, 0);
    l4.writeUInt16BE(p.dstPort, 2);
    l4.writeUInt16BE(8 + payload.length, 4);
  } else {
    l4 = Buffer.alloc(32); // 20 bytes + 12 of options, as Linux sends (timestamps)
    l4.writeUInt16BE(p.srcPort, 0);
    l4.writeUInt16BE(p.dstPort, 2);
    l4.writeUInt32BE((p.seq ?? 0) >>> 0, 4);
    l4[12] = 8 << 4;
    l4[13] = p.flags ?? 0x18;
  }
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + l4.length + payload.length, 2);
  header.writeUInt16BE(0x4000, 6); // don't fragment
  header[9] = p.udp ? 17 : 6;
  ip(p.src).copy(header, 12);
  ip(p.dst).copy(header, 16);
  return Buffer.concat([header, l4, payload]);
}

/** A capture as `tcpdump -i any -w -` writes it: LINUX_SLL2 (276) records. */
export function capture(packets: FakePacket[], linkType: 276 | 113 | 1 = 276): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(262144, 16);
  global.writeUInt32LE(linkType, 20);
  const records = packets.map((p) => {
    const packet = ipv4(p);
    let link: Buffer;
    if (linkType === 276) {
      link = Buffer.alloc(20);
      link.writeUInt16BE(0x0800, 0);
      link[10] = p.outgoing ? 4 : 0;
    } else if (linkType === 113) {
      link = Buffer.alloc(16);
      link.writeUInt16BE(p.outgoing ? 4 : 0, 0);
      link.writeUInt16BE(0x0800, 14);
    } else {
      link = Buffer.alloc(14);
      link.writeUInt16BE(0x0800, 12);
    }
    const data = Buffer.concat([link, packet]);
    const header = Buffer.alloc(16);
    header.writeUInt32LE(Math.floor(p.time / 1000), 0);
    header.writeUInt32LE(Math.round((p.time % 1000) * 1000), 4);
    header.writeUInt32LE(data.length, 8);
    header.writeUInt32LE(data.length, 12);
    return Buffer.concat([header, data]);
  });
  return Buffer.concat([global, ...records]);
}

const sample: FakePacket[] = [
  { time: 1_700_000_000_123.456, src: "198.18.7.1", srcPort: 40000, dst: "198.18.7.2", dstPort: 9876, seq: 100, flags: 0x02 },
  { time: 1_700_000_000_124.5, src: "198.18.7.1", srcPort: 40000, dst: "198.18.7.2", dstPort: 9876, seq: 101, payload: '{"command":"hello","peer_id":"a"}\n' },
  { time: 1_700_000_000_125, src: "198.18.7.2", srcPort: 9876, dst: "198.18.7.255", dstPort: 9876, udp: true, payload: '{"command":"hello","peer_id":"b"}', outgoing: true },
];

describe("PcapReader", () => {
  it("reads TCP and UDP packets with µs timestamps, addresses, ports, seq, flags and payload", () => {
    const packets = new PcapReader().push(capture(sample));
    assert.equal(packets.length, 3);
    const [syn, hello, udp] = packets as [Packet, Packet, Packet];
    assert.equal(syn.time, 1_700_000_000_123.456);
    assert.equal(syn.flags, 0x02);
    assert.equal(syn.seq, 100);
    assert.deepEqual([hello.src, hello.srcPort, hello.dst, hello.dstPort, hello.protocol], ["198.18.7.1", 40000, "198.18.7.2", 9876, "tcp"]);
    assert.equal(hello.payload.toString(), '{"command":"hello","peer_id":"a"}\n');
    assert.equal(hello.direction, "in");
    assert.equal(udp.protocol, "udp");
    assert.equal(udp.direction, "out");
    assert.equal(udp.payload.toString(), '{"command":"hello","peer_id":"b"}');
  });

  it("gives the same packets however the stream is split", () => {
    const bytes = capture(sample);
    const whole = new PcapReader().push(bytes).map((p) => ({ ...p, payload: p.payload.toString("hex") }));
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new PcapReader();
      const parts = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      assert.deepEqual(parts.map((p) => ({ ...p, payload: p.payload.toString("hex") })), whole, `split at ${cut}`);
    }
  });

  it("reads LINUX_SLL and Ethernet captures too, and refuses what is not pcap", () => {
    for (const linkType of [113, 1] as const) {
      const packets = new PcapReader().push(capture(sample, linkType));
      assert.equal(packets.length, 3, `link type ${linkType}`);
      assert.equal(packets[1]!.payload.toString(), '{"command":"hello","peer_id":"a"}\n');
    }
    assert.throws(() => new PcapReader().push(Buffer.alloc(24, 7)), /not a pcap stream/);
  });
});
