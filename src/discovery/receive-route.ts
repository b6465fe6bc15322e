import type { Socket } from "node:dgram";
import { getSystemErrorName } from "node:util";
import { udpHandleOf } from "./udp-handle.js";

// Every datagram of the discovery socket is handed straight from the socket's handle to
// discovery, instead of through dgram's "message" event: there Node's onMessage adds a field to
// the sender's address and emits, which gathers its arguments into an array, all of it in V8's
// interpreter at idle, for every hello and every answer of every peer (in a mesh of 40, fifteen
// a second; bench/analysis.md "Idle CPU"). The pattern of the TCP reads in peers/read-route.ts.

/** Where a datagram came from, as the handle gives it (lib/dgram.js onMessage). */
export interface DatagramSource {
  address: string;
  port: number;
}

export type DatagramHandler = (data: Buffer, source: DatagramSource) => void;

/** What dgram's handle calls for each datagram (lib/dgram.js startListening, onMessage). */
type OnMessage = (nread: number, handle: unknown, data: Buffer, source: DatagramSource) => void;

interface UdpHandle {
  onmessage?: OnMessage;
}

/**
 * Hands each datagram `socket` receives from now on to `handler` instead of its "message"
 * event; a receive that fails is the socket's "error" event, as dgram makes it. Call it once the
 * socket is bound (in bind()'s callback). Returns false where this Node's socket does not look
 * as expected: datagrams then keep coming as "message" events.
 */
export function receiveStraight(socket: Socket, handler: DatagramHandler): boolean {
  const handle = udpHandleOf(socket) as UdpHandle | null | undefined;
  // dgram's own onMessage takes (nread, handle, buf, rinfo): anything else is a Node we do not know.
  if (!handle || typeof handle.onmessage !== "function" || handle.onmessage.length !== 4) return false;
  handle.onmessage = (nread, _handle, data, source) => {
    if (nread < 0) {
      const code = getSystemErrorName(nread);
      socket.emit("error", Object.assign(new Error(`recvmsg ${code}`), { code, errno: nread, syscall: "recvmsg" }));
      return;
    }
    handler(data, source);
  };
  return true;
}
