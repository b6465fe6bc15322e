// How the bare Node.js peers of the benchmark read a socket: into one reused buffer whose bytes
// are handed on at once, as p2pchat's connections read (src/peers/read-route.ts), instead of
// Node's stream path (a Buffer, a push, a "data" event and a tick per read). A floor must not pay
// what any Node.js peer can avoid.
import * as net from "node:net";

const buffer = Buffer.allocUnsafe(64 * 1024);
const probe = new net.Socket({ onread: { buffer, callback() {} } });
const field = (name) => Object.getOwnPropertySymbols(probe).find((symbol) => symbol.description === name);
const kBuffer = field("kBuffer");
const kBufferCb = field("kBufferCb");
probe.destroy();

/** net.connect()'s `onread` option, calling `onChunk` with each read's bytes (valid until it returns). */
export const onread = (onChunk) => ({ buffer, callback: (bytes) => onChunk(buffer.subarray(0, bytes)) });

/** The same for a socket a server accepted with `pauseOnConnect` (Node gives those no `onread`). */
export function readAccepted(socket, onChunk) {
  socket[kBuffer] = buffer;
  socket[kBufferCb] = onread(onChunk).callback;
  socket._handle.useUserBuffer(buffer);
  socket.resume();
}
