import type { Server } from "node:http";

/**
 * Node's HTTP server ends requests that outlast headersTimeout or requestTimeout by checking its
 * connections on a timer of its own (connectionsCheckingInterval), from `listening` to `close`,
 * whether any client is connected or not: an idle daemon woke for it every interval, with nothing
 * to check. Here Node's own check runs on a timer that a connection starts and a check that
 * finds none open stops, so a daemon nobody's page or curl is talking to never wakes for HTTP.
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
  /** Whether the check is running now: from a connection until a check finds none open. */
  readonly running: boolean;
}

/**
 * Takes Node's connection check of `server` over once it listens (call before listen()): every
 * `intervalMs` from the first connection on, until a check finds none open.
 *
 * Started by a connection and stopped by the check itself, not by each connection's close: every
 * `GET /send` of a script or `curl` comes on a connection of its own, and a timer made and cleared
 * for each, with a close listener for each, was work on the way of every message sent. The cost
 * is one more check after the last client leaves.
 */
export function checkConnectionsWhileConnected(server: Server, intervalMs: number): ConnectionCheck {
  let check: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  const tick = () => {
    check?.();
    // Node's own count of open connections (net.Server), given back on the next tick.
    server.getConnections((err, open) => {
      if (!err && open === 0) stop();
    });
  };
  const start = () => {
    if (check && !timer) timer = setInterval(tick, intervalMs).unref();
  };
  // Node sets its timer up in a "listening" listener added by the server's constructor: this one,
  // added after it, finds the timer made.
  server.on("listening", () => {
    check = takeNodeTimer(server);
    // A connection may have come before (a test's, or one accepted in the same turn).
    server.getConnections((err, open) => {
      if (!err && open > 0) start();
    });
  });
  server.on("connection", start);
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
