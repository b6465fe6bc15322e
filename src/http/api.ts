import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { History } from "../history/history.js";
import type { Logger } from "../log/logger.js";

export interface HttpApiOptions {
  history: History;
  logger: Logger;
  /** Stores a message as our own and sends it to every peer. */
  send(text: string): void;
}

type Route = (request: IncomingMessage, url: URL, response: ServerResponse) => void;

/** The protocol's HTTP API (PROTOCOL.md §4). */
export function createHttpApi(options: HttpApiOptions): Server {
  const routes: Record<string, Route> = {
    "/messages": (_request, _url, response) => {
      // Oldest first. Ids have 13+ digits, so they are never array-index keys and JSON keeps our order.
      json(response, 200, options.history.toJSON());
    },
    "/send": (_request, url, response) => {
      const text = queryParam(url.search, "message");
      if (text === undefined || text === "") {
        json(response, 400, { status: "error", message: "missing message: use /send?message=<URL-encoded text>" });
      } else if (text === null) {
        json(response, 400, { status: "error", message: "message is not valid URL-encoded UTF-8" });
      } else {
        options.send(text);
        json(response, 200, { status: "ok" });
      }
    },
  };

  return createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      json(response, 404, { status: "error", message: `no such path: ${url.pathname}` });
    } else if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      json(response, 405, { status: "error", message: `${request.method} is not allowed here; use GET` });
    } else {
      route(request, url, response);
    }
  });
}

/**
 * One query parameter, decoded strictly: undefined when absent, null when it is not valid
 * percent-encoded UTF-8 (URLSearchParams would quietly turn that into U+FFFD and lose the text).
 */
export function queryParam(search: string, name: string): string | null | undefined {
  for (const pair of search.replace(/^\?/, "").split("&")) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (safeDecode(key) !== name) continue;
    return safeDecode(eq < 0 ? "" : pair.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(component: string): string | null {
  try {
    // Form encoding writes spaces as '+'.
    return decodeURIComponent(component.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-store",
  });
  response.end(payload);
}
