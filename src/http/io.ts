import type { IncomingMessage, ServerResponse } from "node:http";

export function json(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-store",
  });
  response.end(payload);
}

export type BodyResult = { ok: true; text: string } | { ok: false; status: number; message: string };

/** Reads a request body as UTF-8, refusing more than maxBytes and bytes that are not UTF-8. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      resolve({ ok: false, status: 413, message: `body over ${maxBytes} bytes` });
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve({ ok: false, status: 413, message: `body over ${maxBytes} bytes` });
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("error", () => resolve({ ok: false, status: 400, message: "request body broken off" }));
    request.on("end", () => {
      try {
        resolve({ ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)) });
      } catch {
        resolve({ ok: false, status: 400, message: "body is not valid UTF-8" });
      }
    });
  });
}

/**
 * One parameter of a query string or form body, decoded strictly: undefined when absent, null
 * when it is not valid percent-encoded UTF-8 (URLSearchParams would quietly turn that into U+FFFD
 * and lose the text).
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
