import type { Socket } from "node:dgram";
import { udpHandleOf } from "./udp-handle.js";

// An answer to a hello is handed straight to the UDP socket's handle, as dgram's send() hands it
// in the end, instead of through dgram's JavaScript first: its checks of the arguments, the list
// it makes of the buffer, the lookup and its callback, the async scope around the send. A peer
// answers every hello of every peer (in a mesh of 40, eight a second), and at idle that
// JavaScript, run by V8's interpreter, and what it allocates were a part of every wake-up
// (bench/analysis.md "Idle CPU"). The pattern of the TCP writes in peers/write-route.ts.
//
// Only for what needs no report and no lookup: an IPv4 address, from a datagram's source, on a
// bound socket. A send the kernel refuses is dropped, as dgram drops a send without a callback.

/** What dgram's handle offers for a send (lib/dgram.js doSend). */
interface UdpHandle {
  send(request: SendRequest, list: Buffer[], count: number, port: number, address: string, hasCallback: boolean): number;
}

/** Node's send request, with the fields dgram sets for a send without a callback (lib/dgram.js doSend). */
interface SendRequest {
  /** Kept alive until the kernel took it, if it did not at once. */
  list: Buffer[];
  address: string;
  port: number;
}

type SendRequestClass = new () => SendRequest;

/**
 * Learned from the first send that went through dgram (`learnFrom`), since Node exposes the class
 * only to its own code; null where this Node's sockets do not look as expected: every datagram
 * then goes through dgram, as before.
 */
let SendWrap: SendRequestClass | null | undefined;

/** The socket's handle: null once the socket is closed; undefined where this Node's is not as expected. */
function handleOf(socket: Socket): UdpHandle | null | undefined {
  const handle = udpHandleOf(socket);
  if (handle === null) return null;
  return handle !== undefined && typeof handle.send === "function" ? (handle as unknown as UdpHandle) : undefined;
}

/**
 * Watches the handle's next send through dgram for the request class Node makes for it: `send` is
 * shadowed for that one call, and the class is believed only if its request carries what dgram
 * gives it (the list it sends, the address and the port).
 */
function learnFrom(handle: UdpHandle): void {
  const own = handle as unknown as Record<string, unknown>;
  own.send = function (this: UdpHandle, request: SendRequest, list: Buffer[], ...rest: [number, number, string, boolean]): number {
    delete own.send;
    const looksRight = request !== null && typeof request === "object" && request.list === list && Array.isArray(list) &&
      typeof request.address === "string" && typeof request.port === "number";
    SendWrap = looksRight ? (request.constructor as SendRequestClass) : null;
    return this.send(request, list, ...rest);
  };
}

/**
 * Sends `data` to `address`:`port` without a report of its outcome: straight to the handle once
 * that is known to work on this Node, else through dgram. `address` must be an IPv4 address and
 * the socket bound; dgram throws, as ever, for what it cannot even try (a closed socket, a bad port).
 */
export function sendUnreported(socket: Socket, data: Buffer, port: number, address: string): void {
  const handle = handleOf(socket);
  if (SendWrap && handle) {
    const request = new SendWrap();
    const list = [data];
    request.list = list;
    request.address = address;
    request.port = port;
    try {
      // What the kernel says is dropped (a negative status), as dgram drops it without a callback.
      handle.send(request, list, 1, port, address, false);
      return;
    } catch {
      // A Node whose handles want more of a request than Node 20 to 24 do: refused before
      // anything was sent. Every datagram goes through dgram from now on.
      SendWrap = null;
    }
  } else if (SendWrap === undefined) {
    if (handle) learnFrom(handle);
    else if (handle === undefined) SendWrap = null;
  }
  socket.send(data, port, address);
}

/** Whether datagrams go straight to the handle (for tests): once learned, and on a Node where it works. */
export function sendsStraight(): boolean {
  return SendWrap !== null && SendWrap !== undefined;
}
