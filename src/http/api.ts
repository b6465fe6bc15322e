import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { History, StoredMessage } from "../history/history.js";
import type { Logger } from "../log/logger.js";
import { errorText } from "../log/error-text.js";
import { HttpAdmission, type HttpAdmissionOptions } from "./admission.js";
import { checkConnectionsWhileConnected } from "./connection-check.js";
import { crossSiteRefusal } from "./guard.js";
import { readBody, json, queryParam } from "./io.js";
import { isOverBytes } from "../protocol/message-size.js";

export interface HttpApiOptions {
  history: History;
  logger: Logger;
  /** Stores a message as our own and sends it to every peer. */
  send(text: string): StoredMessage;
  /** Longest message text, in UTF-8 bytes (PROTOCOL peers get the same limit); read per request, so a reload applies. */
  maxMessageBytes(): number;
  /** Connection shares per host (admission.ts); the defaults suit a user's machine. */
  admission?: Partial<HttpAdmissionOptions>;
}

export type Method = "GET" | "HEAD" | "POST";

export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
}

/** A route: its handler per method. HEAD is answered by the GET handler (Node drops the body). */
export type Route = Partial<Record<Exclude<Method, "HEAD">, (context: RouteContext) => void | Promise<void>>>;

/** The routes whose requests change state: they are refused to other sites' pages (guard.ts). */
const STATE_CHANGING = new Set(["/send"]);

/** Room in the request line and headers beyond a GET /send's percent-encoded message. */
const HEADER_ROOM = 8 * 1024;
/** Node's own default: what every request but a long GET /send needs at most. */
const MIN_HEADER_BYTES = 16 * 1024;
/**
 * How often stuck requests are looked for: every 5 s, not Node's 30 s, so that headersTimeout
 * (10 s) and requestTimeout free a slow client's connection within 5 s of when they say. Only
 * from a connection until a check finds none open (connection-check.ts): a check wakes the
 * process, and with nobody connected it woke an idle daemon for nothing.
 */
const CONNECTION_CHECK_MS = 5_000;
/** How often refused connections are summed up in the log while they go on. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * The HTTP API. The protocol's own endpoints (docs/protocol.md §4) answer exactly as the protocol
 * says; what p2pchat adds lives beside them.
 */
export function createHttpApi(options: HttpApiOptions, extraRoutes: Record<string, Route> = {}): Server {

  const sendText = (response: ServerResponse, text: string | null | undefined, reply: (m: StoredMessage) => object) => {
    if (text === undefined || text === "") {
      json(response, 400, { status: "error", message: "missing message: use /send?message=<URL-encoded text>" });
    } else if (text === null) {
      json(response, 400, { status: "error", message: "message is not valid URL-encoded UTF-8" });
    } else if (isOverBytes(text, options.maxMessageBytes())) {
      json(response, 413, { status: "error", message: `E_MESSAGE_TOO_LARGE: message over ${options.maxMessageBytes()} bytes` });
    } else {
      json(response, 200, reply(options.send(text)));
    }
  };

  const routes: Record<string, Route> = {
    "/messages": {
      // Oldest first. Ids have 13+ digits, so they are never array-index keys and JSON keeps our order.
      GET: ({ response }) => json(response, 200, options.history.toJSON()),
    },
    "/send": {
      GET: ({ url, response }) => sendText(response, queryParam(url.search, "message"), () => ({ status: "ok" })),
      // Not in the protocol: for scripts and the web page. The answer also names the new id.
      POST: async ({ request, url, response }) => {
        // Room for the longest message percent-encoded (3 bytes per byte) or JSON-escaped.
        const body = await readBody(request, options.maxMessageBytes() * 6 + 1024);
        if (!body.ok) {
          json(response, body.status, { status: "error", message: body.message });
          return;
        }
        const text = messageFromBody(request.headers["content-type"], body.text) ?? queryParam(url.search, "message");
        if (typeof text === "object" && text !== null) {
          json(response, 400, { status: "error", message: text.error });
          return;
        }
        sendText(response, text, (m) => ({ status: "ok", message_id: m.id }));
      },
    },
    ...extraRoutes,
  };

  // docs/protocol.md §4: GET /send carries the message in the URL, percent-encoded (3 bytes per byte),
  // so the request line may be far longer than Node's 16 KiB default allows (it answers 431).
  // The parser's limit is fixed when the server is made: a reload that raises
  // max_message_bytes applies to GET /send after a restart (POST /send at once).
  const maxHeaderSize = Math.max(MIN_HEADER_BYTES, options.maxMessageBytes() * 3 + HEADER_ROOM);
  let faults = 0;
  // The boundary between a client's bytes and our code: whatever a request does to a handler (a
  // bug included) costs that request, never the process (docs/interop-and-robustness.md).
  const server = createServer({ maxHeaderSize, connectionsCheckingInterval: CONNECTION_CHECK_MS }, (request, response) => {
    try {
      handle(request, response);
    } catch (err) {
      if (faults++ === 0) options.logger.error(`HTTP ${request.method} failed: ${errorText(err)}`);
      if (!response.headersSent) json(response, 500, { status: "error", message: "E_INTERNAL: the request could not be handled" });
      else response.destroy();
    }
  });

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = parseTarget(request.url);
    if (!url) {
      json(response, 400, { status: "error", message: "E_BAD_REQUEST: the request target is not a path" });
      return;
    }
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    const method = request.method === "HEAD" ? "GET" : request.method;
    const handler = route && method && Object.hasOwn(route, method) ? route[method as keyof Route] : undefined;
    if (!route) {
      json(response, 404, { status: "error", message: `no such path: ${url.pathname}` });
      return;
    }
    if (!handler) {
      const allowed = Object.keys(route).flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m]));
      response.setHeader("Allow", allowed.join(", "));
      json(response, 405, { status: "error", message: `${request.method} is not allowed here; use ${allowed.join(" or ")}` });
      return;
    }
    if (STATE_CHANGING.has(url.pathname)) {
      const refusal = crossSiteRefusal(request);
      if (refusal) {
        options.logger.warn(`refused ${request.method} ${url.pathname}: ${refusal}`);
        json(response, 403, { status: "error", message: refusal });
        return;
      }
    }
    // Only an async handler's failure needs catching here (a synchronous one throws to the
    // server's callback): GET /send, the protocol's every message, makes no promise.
    const pending = handler({ request, response, url });
    if (pending) {
      pending.catch((err: Error) => {
        options.logger.error(`HTTP ${request.method} ${url.pathname} failed: ${err.message}`);
        if (!response.headersSent) json(response, 500, { status: "error", message: "internal error" });
        else response.destroy();
      });
    }
  };
  // Slow or stuck clients must not hold the API: a bounded share of connections per host, and
  // bounded time to send a request.
  const admission = new HttpAdmission(options.admission);
  let lastRefusalLog = -Infinity;
  let refusedSinceLog = 0;
  server.on("connection", (socket) => {
    if (admission.admit(socket)) return;
    const from = socket.remoteAddress ?? "unknown";
    socket.destroy();
    refusedSinceLog++;
    const now = Date.now();
    if (now - lastRefusalLog >= REFUSAL_LOG_INTERVAL_MS) {
      options.logger.warn(`refused ${refusedSinceLog} HTTP connection${refusedSinceLog === 1 ? "" : "s"} ` +
        `(latest from ${from}): too many open from one host or from the LAN`);
      lastRefusalLog = now;
      refusedSinceLog = 0;
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  checkConnectionsWhileConnected(server, CONNECTION_CHECK_MS);
  return server;
}

/** The request target as a URL, or undefined for one that is not a path ("//", "//x:99999"). */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}

/**
 * The message of a POST body: JSON `{"message": "..."}` or a form `message=...`. Undefined when
 * the body has none (the query string may still have it); `{error}` when the body is unusable.
 */
function messageFromBody(contentType: string | undefined, body: string): string | null | undefined | { error: string } {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (body.trim() === "") return undefined;
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { error: "body is not valid JSON" };
    }
    const message = (parsed as { message?: unknown } | null)?.message;
    if (typeof parsed !== "object" || parsed === null || (message !== undefined && typeof message !== "string")) {
      return { error: 'body must be a JSON object {"message": "<text>"}' };
    }
    return message;
  }
  if (type === "application/x-www-form-urlencoded" || type === "" || type === "text/plain") {
    return queryParam(body, "message");
  }
  return { error: `unsupported Content-Type ${type}: use application/json or a form` };
}
