import type { Socket } from "node:net";
import { getSystemErrorName } from "node:util";

// A frame whose connection has nothing else waiting to be sent is handed straight to the socket's
// handle, as Node's stream would hand it in the end, instead of through the stream first: there
// every write is a trip through Writable's state, a request object and its callback, and a tick
// queued after it, all of it again for every ack and every new_message of a chat: in a sender's
// profile about as much as the kernel's own write() (bench/analysis.md "Writes straight to the
// socket").
//
// Order is kept because every write, ours and the stream's, ends in the one queue of the handle
// (libuv writes it in order): a frame goes straight only while the stream holds nothing of its
// own, nor is corked (a connection holding its writes for one system call). And only while the
// kernel has taken every byte so far: behind bytes it could not take, each frame written straight
// would wait as a request of its own, told back one by one, where the stream gathers what waits
// into one write (a fan-out at thousands of messages a second fell to half its rate that way).

/** What a stream handle of Node offers for a write (lib/internal/stream_base_commons.js). */
interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Buffer): number;
  /** Bytes the handle accepted but the kernel did not take yet (libuv's write queue). */
  readonly writeQueueSize: number;
}

/** Node's write request, with the fields its own writes set (stream_base_commons.js createWriteWrap). */
interface WriteRequest {
  handle: StreamHandle;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  bytes: number;
  /** Kept alive until the kernel took it, if it did not at once. */
  buffer: Buffer | null;
  callback: null;
  socket: Socket;
}

type WriteRequestClass = new () => WriteRequest;

/**
 * Learned from the first write that went through a stream (`learnFrom`), since Node exposes the
 * class only to its own code; null where this Node's handles do not look as expected: every frame
 * then goes through the stream, as before.
 */
let WriteWrap: WriteRequestClass | null | undefined;

function handleOf(socket: Socket): StreamHandle | undefined {
  return (socket as unknown as { _handle?: StreamHandle | null })._handle ?? undefined;
}

/** Told by the handle once the kernel took a write that it could not take at once, or failed it. */
function onWriteComplete(this: WriteRequest, status: number): void {
  if (status < 0 && !this.socket.destroyed) this.socket.destroy(writeError(status));
}

function writeError(status: number): NodeJS.ErrnoException {
  const code = getSystemErrorName(status);
  return Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: "write" });
}

/** The handle whose next write is watched for the request class, while one is. */
let watched: StreamHandle | undefined;

/**
 * Watches this socket's next write through its stream for the request class Node makes for it:
 * the handle's `writeBuffer` is shadowed for that one call, and the class is believed only if its
 * request looks like Node's and the handle reports its write queue.
 */
function learnFrom(socket: Socket, handle: StreamHandle): void {
  watched = handle;
  const own = handle as unknown as Record<string, unknown>;
  const stopWatching = () => {
    delete own.writeBuffer;
    if (watched === handle) watched = undefined;
  };
  own.writeBuffer = function (this: StreamHandle, request: WriteRequest, data: Buffer): number {
    stopWatching();
    const looksRight = request !== null && typeof request === "object" && request.handle === handle &&
      typeof request.oncomplete === "function" && typeof handle.writeQueueSize === "number";
    WriteWrap = looksRight ? (request.constructor as WriteRequestClass) : null;
    return this.writeBuffer(request, data);
  };
  // Closed before a write of one whole buffer reached it: the next socket's write is watched.
  socket.once("close", stopWatching);
}

/** Writes `bytes` to `socket`: straight to its handle when nothing waits before them, else through its stream. */
export function writeFrame(socket: Socket, bytes: Buffer): void {
  const handle = handleOf(socket);
  if (WriteWrap === undefined && watched === undefined && handle !== undefined && typeof handle.writeBuffer === "function") {
    learnFrom(socket, handle);
  } else if (WriteWrap && handle !== undefined && socket.writableLength === 0 && socket.writableCorked === 0 &&
      handle.writeQueueSize === 0 && !socket.connecting && !socket.writableEnded && !socket.destroyed) {
    const request = new WriteWrap();
    request.handle = handle;
    request.oncomplete = onWriteComplete;
    request.async = false;
    request.bytes = 0;
    request.buffer = bytes;
    request.callback = null;
    request.socket = socket;
    let status: number;
    try {
      status = handle.writeBuffer(request, bytes);
    } catch {
      // A Node whose handles want more of a request than Node 20 to 24 do: refused before any
      // byte was taken. Every frame goes through the stream from now on.
      WriteWrap = null;
      socket.write(bytes);
      return;
    }
    if (status < 0) socket.destroy(writeError(status));
    return;
  }
  socket.write(bytes);
}

/** Bytes handed to `socket` and not yet taken by the kernel, in its stream and in its handle's queue. */
export function unsentBytes(socket: Socket): number {
  return socket.writableLength + (handleOf(socket)?.writeQueueSize ?? 0);
}
