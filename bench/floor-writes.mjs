// How the bare Node.js peers of the benchmark write to a socket: straight to its handle when
// nothing waits to be sent, as p2pchat's connections write (src/peers/write-route.ts), instead of
// through Node's stream (its state, a request and its callback, and a tick per write). A floor
// must not pay what any Node.js peer can avoid. Node's request class is learned from the first
// write that goes through a stream.

let WriteWrap;

function learnFrom(handle) {
  handle.writeBuffer = function (request, data) {
    delete handle.writeBuffer;
    WriteWrap = request.constructor;
    return this.writeBuffer(request, data);
  };
}

function onComplete(status) {
  if (status < 0) this.socket.destroy();
}

/** Writes `bytes` (a Buffer) to `socket`. */
export function writeStraight(socket, bytes) {
  const handle = socket._handle;
  if (WriteWrap === undefined) {
    if (handle && !Object.hasOwn(handle, "writeBuffer")) learnFrom(handle);
  } else if (handle && socket.writableLength === 0 && socket.writableCorked === 0 && handle.writeQueueSize === 0 &&
      !socket.connecting) {
    const request = new WriteWrap();
    request.handle = handle;
    request.oncomplete = onComplete;
    request.async = false;
    request.bytes = 0;
    request.buffer = bytes;
    request.callback = null;
    request.socket = socket;
    if (handle.writeBuffer(request, bytes) < 0) socket.destroy();
    return;
  }
  socket.write(bytes);
}
