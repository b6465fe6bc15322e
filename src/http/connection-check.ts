import type { Server } from "node:http";

/**
 * Node's HTTP server ends requests that outlast headersTimeout or requestTimeout by checking its
 * connections on a timer of its own (connectionsCheckingInterval), from `listening` to `close`,
 * whether any client is connected or not: an idle daemon woke for it every interval, with nothing
 * to check. Here Node's own check runs on a timer that runs only while the server has a
 * connection, so a daemon nobody's page or curl is talking to never wakes for HTTP.
 *
 * Node keeps that timer under a symbol of its own and calls its own check function from it
 * (lib/_http_server.js, setupConnectionsTracking, as Node 20 does). A Node that keeps them
 * otherwise is left to check as it does: nothing is lost but the saved wake-ups, and
 * test/http/connection-check.test.ts fails there, so that it is noticed.
 */

/** The description of the symbol Node keeps the server's checking timer under. */
const NODE_TIMER_SYMBOL = "http.server.connectionsCheckingInterval";

export interface ConnectionCheck {
  /** Whether Node's timer was taken over: false on a Node that keeps it otherwise. */
  readonly takenOver: boolean;
  /** Whether the check is running now: while the server has at least one connection. */
  readonly running: boolean;
}

/**
 * Takes Node's connection check of `server` over once it listens (call before listen()): every
 * `intervalMs` while a connection is open, not at all while none is.
 */
export function checkConnectionsWhileConnected(server: Server, intervalMs: number): ConnectionCheck {
  let check: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let open = 0;
  const start = () => {
    if (check && !timer) timer = setInterval(check, intervalMs).unref();
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  // Node sets its timer up in a "listening" listener added by the server's constructor: this one,
  // added after it, finds the timer made.
  server.on("listening", () => {
    const taken = takeNodeTimer(server);
    if (!taken) return;
    check = taken;
    if (open > 0) start();
  });
  server.on("connection", (socket) => {
    if (++open === 1) start();
    socket.once("close", () => {
      if (--open === 0) stop();
    });
  });
  server.on("close", stop);
  return {
    get takenOver() {
      return check !== undefined;
    },
    get running() {
      return timer !== undefined;
    },
  };
}

/** Stops Node's checking timer of `server` and returns the check it ran, if Node keeps it as expected. */
function takeNodeTimer(server: Server): (() => void) | undefined {
  const key = Object.getOwnPropertySymbols(server).find((symbol) => symbol.description === NODE_TIMER_SYMBOL);
  if (key === undefined) return undefined;
  const nodeTimer = (server as unknown as Record<symbol, unknown>)[key];
  const check = (nodeTimer as { _onTimeout?: unknown } | undefined)?._onTimeout;
  if (typeof check !== "function") return undefined;
  clearInterval(nodeTimer as NodeJS.Timeout);
  return check as () => void;
}
