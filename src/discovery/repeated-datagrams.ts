// At idle every peer of a room sends the same bytes again and again: its hello every interval,
// and its answer to each of ours. A datagram byte for byte the same as the last hello or answer
// accepted from its address says what that one said, so it is not decoded and checked again:
// compared in one native call, it touches none of the decoder's code. Measured, discovery's
// checks of each datagram made an idle p2pchat pay about an eighth more per wake-up than the bare
// Node.js peer, far more than they cost in a tight loop: most likely because at idle what counts
// is how much code and data a wake-up brings back into the CPU's caches (bench/analysis.md
// "Idle CPU", *A datagram said again*).

/** What an accepted hello or answer said, to hand on when its bytes come again. */
export interface RepeatedDatagram {
  peerId: string;
  isHello: boolean;
}

interface Said {
  /** A copy of the datagram's bytes: the handle may reuse the buffer it received them into. */
  bytes: Buffer;
  said: RepeatedDatagram;
}

interface FromAddress {
  peerId: string;
  hello?: Said;
  answer?: Said;
}

export class RepeatedDatagrams {
  readonly #byAddress = new Map<string, FromAddress>();

  /**
   * `maxAddresses` and `maxBytes` bound what a flood of forged sources can make us hold: a hello
   * or answer is some tens of bytes, and one longer than `maxBytes` is checked each time it comes.
   */
  constructor(private readonly maxAddresses: number, private readonly maxBytes: number) {}

  /** What the last hello or answer from `address` with exactly these bytes said; undefined if none. */
  match(address: string, data: Buffer): RepeatedDatagram | undefined {
    const from = this.#byAddress.get(address);
    if (from === undefined) return undefined;
    // The same said object each time: nothing is allocated for a datagram said again.
    if (from.hello !== undefined && from.hello.bytes.equals(data)) return from.hello.said;
    if (from.answer !== undefined && from.answer.bytes.equals(data)) return from.answer.said;
    return undefined;
  }

  /** Notes a hello or answer accepted from `address`, once its checks have passed. */
  note(address: string, data: Buffer, said: RepeatedDatagram): void {
    if (data.byteLength > this.maxBytes) return;
    let from = this.#byAddress.get(address);
    if (from === undefined || from.peerId !== said.peerId) {
      // Full: start over rather than refuse the newcomer. A room's peers are noted again at their
      // next hello; a flood of forged sources can keep this from helping, never from being right.
      if (from === undefined && this.#byAddress.size >= this.maxAddresses) this.#byAddress.clear();
      from = { peerId: said.peerId };
      this.#byAddress.set(address, from);
    }
    const noted = { bytes: Buffer.from(data), said: Object.freeze({ ...said }) };
    if (said.isHello) from.hello = noted;
    else from.answer = noted;
  }

  get size(): number {
    return this.#byAddress.size;
  }
}
