import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { hostname } from "node:os";

/**
 * Why a state-changing request must be refused, or undefined to let it through.
 *
 * A page on another site can make the user's browser send `GET /send?message=...` to the daemon
 * on localhost and post in the user's name. Browsers mark such requests: `Sec-Fetch-Site:
 * cross-site`, and an `Origin` that is not ours. Tools like curl send neither, and our own page
 * sends our own origin, so both keep working.
 *
 * A page can also rebind its own DNS name to 127.0.0.1 and become "same-origin" with us; its
 * requests then carry its name in `Host`. So we accept only the names a user reaches the daemon
 * by: an IP address, localhost, or this machine's host name.
 */
export function crossSiteRefusal(request: IncomingMessage): string | undefined {
  const host = request.headers.host;
  if (host !== undefined && !isOwnHostName(hostPart(host))) {
    return `E_FORBIDDEN_HOST: requests must address this machine by IP address or name, not ${JSON.stringify(host)}`;
  }
  const fetchSite = request.headers["sec-fetch-site"];
  if (fetchSite === "cross-site" || fetchSite === "same-site") {
    return "E_CROSS_SITE: refused a request another site's page made";
  }
  const origin = request.headers.origin;
  if (origin !== undefined && (host === undefined || !sameOrigin(origin, host))) {
    return `E_CROSS_SITE: refused a request from origin ${JSON.stringify(origin)}`;
  }
  return undefined;
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" && url.host === new URL(`http://${host}`).host;
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage are never our page
  }
}

function hostPart(host: string): string {
  // "[::1]:8000" -> "::1", "name:8000" -> "name"
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1] as string;
  return host.replace(/:\d+$/, "");
}

function isOwnHostName(name: string): boolean {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (isIP(lower) !== 0 || lower === "localhost" || lower.endsWith(".localhost")) return true;
  const own = hostname().toLowerCase();
  return lower === own || lower === `${own}.local`;
}
