// GET requests to the target's HTTP API (docs/protocol.md §4), bounded in time and size.
import { request } from "node:http";

export type HttpOutcome =
  | { ok: true; status: number; contentType: string; text: string; raw: Buffer }
  /** No HTTP answer at all: the API is not reachable from here. */
  | { ok: false; why: string };

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export function httpGet(url: URL, timeoutMs: number): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: HttpOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    // agent: false: one connection per request, nothing left open when the probe ends.
    const req = request(url, { method: "GET", agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy();
          done({ ok: false, why: `answer larger than ${MAX_BODY_BYTES} bytes` });
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", (err) => done({ ok: false, why: err.message }));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        done({
          ok: true,
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"] ?? "",
          text: raw.toString("utf8"),
          raw,
        });
      });
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      const why = err.name === "AbortError" || err.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : err.code === "ECONNREFUSED" ? "connection refused" : err.code ? `${err.code}: ${err.message}` : err.message;
      done({ ok: false, why });
    });
    req.end();
  });
}

/** The JSON body, or undefined if it is not JSON. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
