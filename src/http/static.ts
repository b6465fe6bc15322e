import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import type { Route } from "./api.js";
import { json } from "./io.js";
import { APP_ROOT } from "../app-root.js";

/** The repository root (or the installed package's), with a trailing slash for new URL(). */
const ROOT = pathToFileURL(APP_ROOT + "/");

/**
 * Every file the chat page needs, by URL path. A fixed table, not a directory: no path from a
 * request ever reaches the file system. Everything is served by the daemon itself, so the page
 * works on a LAN with no internet (no CDN, no fonts from elsewhere).
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "web/index.html", type: "text/html; charset=utf-8" },
  "/style.css": { file: "web/style.css", type: "text/css; charset=utf-8" },
  "/app.js": { file: "dist/web/app.js", type: "text/javascript; charset=utf-8" },
  "/icon.svg": { file: "web/icon.svg", type: "image/svg+xml" },
};

/**
 * The page may load nothing but its own files and talk to nothing but its own daemon. Messages are
 * rendered as text (web/app.ts); should markup ever slip through anyway, no inline script runs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface LoadedAsset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * GET routes for the chat page. Each file is read once, at its first request (not at start: a
 * peer nobody opens the page of never reads them, nor loads node:crypto for their ETags); a
 * missing one answers 500 saying so.
 */
export function webRoutes(): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    let loaded: ReturnType<typeof load> | undefined;
    routes[path] = {
      GET: ({ request, response }) => {
        const asset = (loaded ??= load(file, type));
        if ("error" in asset) {
          json(response, 500, { status: "error", message: asset.error });
          return;
        }
        serve(response, asset, request.headers["if-none-match"]);
      },
    };
  }
  return routes;
}

function load(file: string, type: string): LoadedAsset | { error: string } {
  try {
    const body = readFileSync(new URL(file, ROOT));
    const { createHash } = process.getBuiltinModule("node:crypto");
    return { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
  } catch (err) {
    return { error: `the web page's ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? err}): run npm run build` };
  }
}

function serve(response: ServerResponse, asset: LoadedAsset, ifNoneMatch: string | undefined): void {
  const headers = {
    "Content-Type": asset.type,
    // Revalidate every time: an upgraded daemon must never run with an old app.js.
    "Cache-Control": "no-cache",
    ETag: asset.etag,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
  };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(asset.etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  response.writeHead(200, { ...headers, "Content-Length": asset.body.length });
  response.end(asset.body);
}
