// Protocol events read off packets: hello replies, new_messages and the acks that match them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PcapReader } from "../../bench/pcap.js";
import { WireObserver, type WireEvent } from "../../bench/wire.js";
import { capture, type FakePacket } from "./pcap.test.js";

const A = "198.18.7.1";
const B = "198.18.7.2";
const C = "198.18.7.3";

/** One connection from `client` to `server`, with the byte counters TCP keeps. */
function connection(client: string, port: number, server: string) {
  let toServer = 1000;
  let toClient = 5000;
  let time = 1_700_000_000_000;
  return {
    open: (): FakePacket[] => [
      { time: time++, src: client, srcPort: port, dst: server, dstPort: 9876, seq: toServer - 1, flags: 0x02 },
      { time: time++, src: server, srcPort: 9876, dst: client, dstPort: port, seq: toClient - 1, flags: 0x12 },
    ],
    send: (text: string | Buffer, at = time++): FakePacket => {
      const packet = { time: at, src: client, srcPort: port, dst: server, dstPort: 9876, seq: toServer, payload: text };
      toServer += Buffer.byteLength(text);
      return packet;
    },
    answer: (text: string, at = time++): FakePacket => {
      const packet = { time: at, src: server, srcPort: 9876, dst: client, dstPort: port, seq: toClient, payload: text };
      toClient += Buffer.byteLength(text);
      return packet;
    },
  };
}

function observe(packets: FakePacket[]): { events: WireEvent[]; observer: WireObserver } {
  const observer = new WireObserver();
  const events = new PcapReader().push(capture(packets)).flatMap((p) => observer.push(p));
  return { events, observer };
}

const newMessage = (id: string, text: string) => JSON.stringify({ command: "new_message", message_id: id, message: text }) + "\n";
const OK = '{"status":"ok"}\n';

describe("WireObserver", () => {
  it("pairs each ack with the oldest unanswered new_message of its connection", () => {
    const ab = connection(A, 40000, B);
    const packets = [
      ...ab.open(),
      ab.send('{"command":"hello","peer_id":"a"}\n'),
      ab.answer('{"status":"ok","messages":{"1700000000001":{"peer_id":"c","message":"old"}}}\n', 1_700_000_000_010),
      ab.send(newMessage("1700000000100", "one"), 1_700_000_000_020),
      ab.send(newMessage("1700000000101", "two"), 1_700_000_000_021),
      ab.answer(OK, 1_700_000_000_030),
      ab.answer('{"status":"error","message":"E_X: no"}\n', 1_700_000_000_031),
    ];
    const { events, observer } = observe(packets);
    assert.deepEqual(events.map((e) => e.kind), ["hello-reply", "new-message", "new-message", "ack", "ack"]);
    const [reply, , , first, second] = events as [Extract<WireEvent, { kind: "hello-reply" }>, WireEvent, WireEvent, Extract<WireEvent, { kind: "ack" }>, Extract<WireEvent, { kind: "ack" }>];
    assert.deepEqual([reply.client, reply.server, reply.historySize, reply.time], [A, B, 1, 1_700_000_000_010]);
    assert.deepEqual([first.id, first.text, first.ok, first.client, first.server, first.sentTime, first.time], ["1700000000100", "one", true, A, B, 1_700_000_000_020, 1_700_000_000_030]);
    assert.deepEqual([second.id, second.ok], ["1700000000101", false]);
    assert.equal(observer.stats.unmatchedAnswers, 0);
  });

  it("follows frames split across segments and acks glued into one segment", () => {
    const ab = connection(A, 40001, B);
    const frame = newMessage("1700000000200", "ahoj 👋");
    const bytes = Buffer.from(frame + newMessage("1700000000201", "b"));
    const cut = Buffer.byteLength(frame.slice(0, frame.indexOf("👋"))) + 2; // inside the emoji
    const packets = [
      ...ab.open(),
      ab.send('{"command":"hello","peer_id":"a"}\n'),
      ab.answer('{"status":"ok","messages":{}}\n'),
      ab.send(bytes.subarray(0, cut)),
      ab.send(bytes.subarray(cut)),
      ab.answer(OK + OK),
    ];
    const { events } = observe(packets);
    const texts = events.filter((e) => e.kind === "ack").map((e) => (e as { text: string }).text);
    assert.deepEqual(texts, ["ahoj 👋", "b"]);
  });

  it("ignores retransmitted bytes and reports a hole instead of pairing across it", () => {
    const ab = connection(A, 40002, B);
    const open = ab.open();
    const hello = ab.send('{"command":"hello","peer_id":"a"}\n');
    const reply = ab.answer('{"status":"ok","messages":{}}\n');
    const m1 = ab.send(newMessage("1700000000300", "one"));
    const ack1 = ab.answer(OK);
    const first = observe([...open, hello, reply, m1, { ...m1, time: m1.time + 5 }, ack1, { ...ack1 }]);
    assert.equal(first.events.filter((e) => e.kind === "ack").length, 1);
    assert.equal(first.observer.stats.duplicates, 2);

    ab.send(newMessage("1700000000301", "lost")); // never captured
    const m3 = ab.send(newMessage("1700000000302", "three"));
    const ack3 = ab.answer(OK);
    const second = observe([...open, hello, reply, m1, ack1, m3, ack3]);
    assert.equal(second.observer.stats.gaps, 1);
    // After the hole the stream is followed again, but nothing is paired across it.
    assert.deepEqual(second.events.filter((e) => e.kind === "ack").map((e) => (e as { text: string }).text), ["one"]);

    const joined = observe([m3]);
    assert.equal(joined.observer.stats.gaps, 0, "a stream joined mid-way is taken from there");
    assert.equal(joined.events.length, 1);
  });

  it("reports UDP hellos and keeps connections of different clients apart", () => {
    const ab = connection(A, 40003, B);
    const cb = connection(C, 40003, B);
    const packets: FakePacket[] = [
      { time: 1_700_000_000_000, src: C, srcPort: 9876, dst: "198.18.7.255", dstPort: 9876, udp: true, payload: '{"command":"hello","peer_id":"c"}' },
      { time: 1_700_000_000_001, src: B, srcPort: 9876, dst: C, dstPort: 9876, udp: true, payload: '{"status":"ok","peer_id":"b"}' },
      ...ab.open(), ...cb.open(),
      ab.send('{"command":"hello","peer_id":"a"}\n'), cb.send('{"command":"hello","peer_id":"c"}\n'),
      cb.answer('{"status":"ok","messages":{}}\n'), ab.answer('{"status":"ok","messages":{}}\n'),
      ab.send(newMessage("1700000000400", "from a")), cb.send(newMessage("1700000000401", "from c")),
      cb.answer(OK), ab.answer(OK),
    ];
    const { events } = observe(packets);
    assert.deepEqual(events.filter((e) => e.kind === "udp-hello").map((e) => (e as { peerId: string }).peerId), ["c"]);
    const acks = events.filter((e) => e.kind === "ack") as Array<Extract<WireEvent, { kind: "ack" }>>;
    assert.deepEqual(acks.map((a) => [a.client, a.text]), [[C, "from c"], [A, "from a"]]);
  });
});
