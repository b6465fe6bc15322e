import type { Socket } from "node:dgram";

/** The symbol dgram keeps a socket's state under (lib/internal/dgram.js kStateSymbol), once found; null where there is none. */
let stateSymbol: symbol | null | undefined;

/**
 * The native handle under a dgram socket, which send-route.ts and receive-route.ts use past
 * dgram's JavaScript: null once the socket is closed, undefined where this Node keeps a socket's
 * state otherwise than Node 20 to 24 do (each route then leaves the socket to dgram).
 */
export function udpHandleOf(socket: Socket): Record<string, unknown> | null | undefined {
  stateSymbol ??= Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === "state symbol") ?? null;
  if (stateSymbol === null) return undefined;
  const handle = (socket as unknown as Record<symbol, { handle?: unknown } | undefined>)[stateSymbol]?.handle;
  if (handle === null) return null;
  return typeof handle === "object" ? (handle as Record<string, unknown>) : undefined;
}
