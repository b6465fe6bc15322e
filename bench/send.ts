// GET /send?message=... (docs/protocol.md §4) from the harness, as a user's tool would do it.
import * as http from "node:http";
import type { LanHost } from "../test/lan/netns.js";
import { nowMs, sleep } from "./clock.js";

export interface SendRecord {
  text: string;
  sender: string;
  /** nowMs() just before the request was written. */
  time: number;
  /** HTTP status, 0 if the request failed. */
  status: number;
  /** Until the whole answer was in (ms). */
  httpMs: number;
}

/** Sends one message through a host's HTTP API, on a connection of its own; never rejects (a failure is status 0). */
export function sendMessage(host: LanHost, text: string, timeoutMs = 10_000): Promise<SendRecord> {
  const record: SendRecord = { text, sender: host.address, time: nowMs(), status: 0, httpMs: NaN };
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: host.address,
        port: 8000,
        path: `/send?message=${encodeURIComponent(text)}`,
        agent: false,
        // The socket's own timer, gone with the socket: an AbortSignal.timeout() per request
        // stayed armed for its whole 10 s, so the warm-up's 2,000 fired inside the measured phase.
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on("end", () => {
          record.status = response.statusCode ?? 0;
          record.httpMs = nowMs() - record.time;
          resolve(record);
        });
        response.on("error", () => resolve(record));
      },
    );
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(record));
    request.end();
  });
}

/**
 * Sends `count` messages at `rate` per second, round robin over `senders`, each text told to
 * `expect` just before its request (so that what the capture sees of it has somewhere to go);
 * resolves with every send's record once all are answered. Texts are unique within a label.
 */
export async function sendAtRate(
  senders: readonly LanHost[], label: string, count: number, rate: number, expect: (text: string) => void,
): Promise<SendRecord[]> {
  const sends: Array<Promise<SendRecord>> = [];
  const t0 = nowMs() + 20;
  for (let k = 0; k < count; k++) {
    const wait = t0 + (k * 1000) / rate - nowMs();
    if (wait > 0) await sleep(wait);
    const text = `${label} #${k} ${"x".repeat(24)}`;
    expect(text);
    sends.push(sendMessage(senders[k % senders.length]!, text));
  }
  return Promise.all(sends);
}
