import { Socket, type OnReadOpts } from "node:net";

// Every read of a peer connection lands in one buffer of the process and goes straight to the
// connection's decoder, instead of through Node's stream: there each read makes a Buffer, pushes
// it, emits "data" and queues a tick to read more, all of it again for every message of a chat.
// Measured on loopback, one message every 10 ms, it was a fifth of the CPU a received message
// cost (bench/analysis.md "Reads into one buffer").
//
// One buffer serves every connection because a read is handed on at once: the decoder copies what
// it keeps of an unfinished frame (protocol/decoder.ts), and nothing else holds on to the bytes.

/** Larger than any read of a chat; a longer frame simply arrives over several reads. */
const READ_BUFFER_BYTES = 64 * 1024;

let readBuffer: Buffer | undefined;
const sharedBuffer = (): Buffer => (readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));

export type ChunkHandler = (chunk: Buffer) => void;

/**
 * Where one connection's reads go. The socket is made before whoever decodes its bytes (a
 * FramedSocket takes the socket), so the route is made first and told its handler later.
 */
export class ReadRoute {
  private handler: ChunkHandler = () => {};

  private readonly buffer = sharedBuffer();

  /** Node's documented `onread` option, for `net.connect()`. */
  readonly option: OnReadOpts = {
    buffer: this.buffer,
    // True: read on (false would pause the socket).
    callback: (bytes) => {
      this.handler(this.buffer.subarray(0, bytes));
      return true;
    },
  };

  handOn(handler: ChunkHandler): void {
    this.handler = handler;
  }
}

/** The two fields Node's Socket constructor sets from `onread` (lib/net.js), when this Node has them. */
interface UserBufferFields {
  buffer: symbol;
  callback: symbol;
}

let fields: UserBufferFields | null | undefined;

/**
 * Found by their names on a socket made with `onread`, and believed only if they hold exactly
 * what was given: a Node that stores `onread` otherwise is read through "data" events instead.
 */
function userBufferFields(): UserBufferFields | null {
  if (fields !== undefined) return fields;
  const buffer = Buffer.alloc(1);
  const callback = (): undefined => undefined;
  // The constructor takes `onread` (lib/net.js), though @types/node lists it for connect() only.
  const probe = new Socket({ onread: { buffer, callback } } as ConstructorParameters<typeof Socket>[0]);
  const symbols = Object.getOwnPropertySymbols(probe);
  const named = (name: string) => symbols.find((symbol) => symbol.description === name);
  const bufferField = named("kBuffer");
  const callbackField = named("kBufferCb");
  const holds = (field: symbol | undefined, value: unknown) =>
    field !== undefined && (probe as unknown as Record<symbol, unknown>)[field] === value;
  fields = bufferField && callbackField && holds(bufferField, buffer) && holds(callbackField, callback)
    ? { buffer: bufferField, callback: callbackField }
    : null;
  probe.destroy();
  return fields;
}

/**
 * Routes the reads of a socket a server accepted paused (`pauseOnConnect`) through a new route, as
 * `onread` does for a socket we connect: Node gives a server's sockets no such option, so the
 * two fields its constructor would have set are set here, and the socket's handle is told to read
 * into the buffer, as the constructor would have told it. Undefined where this Node offers no way
 * to (the caller then listens for "data"). Either way the caller resumes the socket.
 */
export function routeAcceptedReads(socket: Socket): ReadRoute | undefined {
  const found = userBufferFields();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  if (found === null || typeof handle?.useUserBuffer !== "function") return undefined;
  const route = new ReadRoute();
  const { buffer, callback } = route.option;
  const target = socket as unknown as Record<symbol, unknown>;
  target[found.buffer] = buffer;
  target[found.callback] = callback;
  handle.useUserBuffer(buffer as Uint8Array);
  return route;
}
