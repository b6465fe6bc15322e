import type { Socket } from "node:net";
import { isLocalAddressWithoutWaiting } from "../discovery/local-address.js";

export interface HttpAdmissionOptions {
  /** Connections at once from one other host: a browser opens at most 6, plus its event stream. */
  perAddress: number;
  /** Connections at once from all other hosts together. */
  total: number;
  /** Connections at once from one address of this host: the user's own tools and page. */
  perLocalAddress: number;
  isLocal?: (address: string) => boolean;
}

export const DEFAULT_HTTP_ADMISSION: HttpAdmissionOptions = { perAddress: 16, total: 256, perLocalAddress: 128 };

/**
 * Who may hold an HTTP connection. The API is for the user on this machine, and [HTTP] bind may
 * put it on the LAN: a host there that opens hundreds of connections and never finishes a request
 * (slowloris) must not leave none for the user. So other hosts get a share each and a share in
 * all, and connections from this host's own addresses are counted apart and always get in.
 */
export class HttpAdmission {
  private readonly options: Required<HttpAdmissionOptions>;
  private readonly open = new Map<string, number>();
  private remoteTotal = 0;
  /** Refused connections since start, for the log and for tests. */
  refused = 0;

  constructor(options: Partial<HttpAdmissionOptions> = {}) {
    this.options = { ...DEFAULT_HTTP_ADMISSION, isLocal: isLocalAddressWithoutWaiting, ...options };
  }

  /** Counts the connection in and returns true, or returns false: the caller destroys it. */
  admit(socket: Socket): boolean {
    const address = plainAddress(socket.remoteAddress);
    const local = this.options.isLocal(address);
    const mine = this.open.get(address) ?? 0;
    const allowed = local
      ? mine < this.options.perLocalAddress
      : mine < this.options.perAddress && this.remoteTotal < this.options.total;
    if (!allowed) {
      this.refused++;
      return false;
    }
    this.open.set(address, mine + 1);
    if (!local) this.remoteTotal++;
    // "close" comes once: on(), not once(), which wraps the listener for every connection.
    socket.on("close", () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
      if (!local) this.remoteTotal--;
    });
    return true;
  }
}

/** "::ffff:198.18.0.1" (an IPv4 client of a dual-stack socket) is 198.18.0.1; "::1" is loopback. */
function plainAddress(address: string | undefined): string {
  if (address === undefined) return "unknown";
  if (address.startsWith("::ffff:")) return address.slice(7);
  return address === "::1" ? "127.0.0.1" : address;
}
