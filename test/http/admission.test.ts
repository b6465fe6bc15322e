import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { HttpAdmission } from "../../src/http/admission.js";

/** Admission only reads the remote address and waits for "close": an emitter with one is enough. */
function socketFrom(address: string): Socket & { close(): void } {
  const socket = Object.assign(new EventEmitter(), { remoteAddress: address }) as unknown as Socket & { close(): void };
  socket.close = () => socket.emit("close");
  return socket;
}

const isLocal = (address: string) => address.startsWith("127.") || address === "198.18.0.1";

describe("HTTP admission: a share of connections per host (slowloris)", () => {
  it("lets one other host hold perAddress connections, then refuses it, and not the others", () => {
    const admission = new HttpAdmission({ perAddress: 3, total: 10, perLocalAddress: 5, isLocal });
    const held = [1, 2, 3].map(() => socketFrom("198.18.0.9"));
    assert.deepEqual(held.map((s) => admission.admit(s)), [true, true, true]);
    assert.equal(admission.admit(socketFrom("198.18.0.9")), false);
    assert.equal(admission.admit(socketFrom("198.18.0.10")), true);
    assert.equal(admission.refused, 1);
    held[0]!.close();
    assert.equal(admission.admit(socketFrom("198.18.0.9")), true, "a closed connection frees its place");
  });

  it("caps all other hosts together, but always lets this host's own addresses in", () => {
    const admission = new HttpAdmission({ perAddress: 2, total: 4, perLocalAddress: 3, isLocal });
    for (const n of [10, 11]) for (let i = 0; i < 2; i++) assert.ok(admission.admit(socketFrom(`198.18.0.${n}`)));
    assert.equal(admission.admit(socketFrom("198.18.0.12")), false, "the LAN's share is used up");
    assert.ok(admission.admit(socketFrom("127.0.0.1")));
    assert.ok(admission.admit(socketFrom("::ffff:127.0.0.1")), "an IPv4 client of a dual-stack socket");
    assert.ok(admission.admit(socketFrom("198.18.0.1")), "this host's own LAN address");
    assert.ok(admission.admit(socketFrom("::1")));
    assert.equal(admission.admit(socketFrom("127.0.0.1")), false, "perLocalAddress still bounds one local address");
  });
});
