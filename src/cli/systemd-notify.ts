/**
 * Readiness and status for systemd (Type=notify, sd_notify(3)). The message is a datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET; Node has no unix datagram sockets, so systemd-notify(1)
 * sends it for us. That process is our child, not the main process, which is why the unit says
 * NotifyAccess=all. systemd-notify waits until systemd has taken the message (it syncs with a
 * barrier since systemd 246), so it cannot exit before systemd knows which service sent it.
 */
// node:child_process is imported when a notification is sent, not at start: outside systemd it is
// never needed, and loading it cost every start a few ms (docs/performance.md).

export type NotifyOutcome =
  | { sent: true }
  | { sent: false; reason: string };

/** systemd-notify's own wait is at most 5 s; this only guards against it hanging for good. */
const NOTIFY_TIMEOUT_MS = 10_000;

/** True when systemd started us as Type=notify and listens for our state. */
export function underSystemdNotify(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env.NOTIFY_SOCKET === "string" && env.NOTIFY_SOCKET.length > 0;
}

/**
 * Sends `assignments` (`READY=1`, `STATUS=...`) to systemd. Resolves, never rejects: a failure is
 * for the caller to log, since the peer itself works either way.
 */
export function notifySystemd(
  assignments: string[],
  options: { env?: NodeJS.ProcessEnv; command?: string } = {},
): Promise<NotifyOutcome> {
  const env = options.env ?? process.env;
  if (!underSystemdNotify(env)) return Promise.resolve({ sent: false, reason: "NOTIFY_SOCKET is not set" });
  const command = options.command ?? "systemd-notify";
  // A status is free text, but one sd_notify assignment is one line.
  const args = assignments.map((a) => a.replace(/[\r\n]+/g, " "));
  return import("node:child_process").then(({ spawn }) => new Promise((resolve) => {
    let stderr = "";
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"], timeout: NOTIFY_TIMEOUT_MS });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (err: NodeJS.ErrnoException) => {
      resolve({
        sent: false,
        reason: err.code === "ENOENT" ? `${command} not found (it comes with systemd)` : `${command}: ${err.message}`,
      });
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ sent: true });
      else {
        const why = stderr.trim().replace(/\s*\n\s*/g, "; ") || (signal ? `killed by ${signal}` : `exit status ${code}`);
        resolve({ sent: false, reason: `${command} failed: ${why}` });
      }
    });
  }));
}
