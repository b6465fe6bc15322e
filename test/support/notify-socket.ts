// A stand-in for systemd's notification socket ($NOTIFY_SOCKET, sd_notify(3)), so the daemon's
// readiness can be tested with the real systemd-notify without a running systemd. Node has no
// AF_UNIX datagram sockets, so a small python3 script holds it and prints each message.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RECEIVER = `
import array, json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"listening": True}), flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            # BARRIER=1 comes with a pipe; closing our end is what tells the sender we have read
            # everything before it, as systemd does.
            for fd in fds:
                os.close(fd)
    print(json.dumps({"text": data.decode("utf-8", "replace"), "at": time.time()}), flush=True)
`;

export interface NotifyMessage {
  /** The assignments of one datagram, e.g. { READY: "1", STATUS: "..." }. */
  fields: Record<string, string>;
}

export class NotifySocket {
  readonly path: string;
  readonly messages: NotifyMessage[] = [];
  private readonly dir: string;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<(message: NotifyMessage) => void>();

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "p2pchat-notify-"));
    this.path = join(this.dir, "notify");
    this.child = spawn("python3", ["-u", "-c", RECEIVER, this.path], { stdio: ["ignore", "pipe", "inherit"] });
  }

  static async open(): Promise<NotifySocket> {
    const socket = new NotifySocket();
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      socket.child.once("error", reject);
      socket.child.once("exit", (code) => reject(new Error(`notify socket receiver exited with ${code}`)));
      socket.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
          const line = JSON.parse(buffered.slice(0, end)) as { listening?: boolean; text?: string };
          buffered = buffered.slice(end + 1);
          if (line.listening) resolve();
          if (line.text !== undefined) socket.receive(line.text);
        }
      });
    });
    return socket;
  }

  /** Calls `listener` for each message from now on, synchronously as it arrives. */
  onMessage(listener: (message: NotifyMessage) => void): void {
    this.listeners.add(listener);
  }

  private receive(text: string): void {
    const fields: Record<string, string> = {};
    for (const line of text.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
    }
    const message = { fields };
    this.messages.push(message);
    for (const listener of this.listeners) listener(message);
  }

  close(): void {
    this.child.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
