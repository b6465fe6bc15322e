/** One server-sent event as received: its type ("message" when the stream names none) and data. */
export interface ReceivedEvent {
  event: string;
  data: string;
}

/**
 * Reads a text/event-stream (the WHATWG HTML "server-sent events" format) from text chunks split
 * anywhere: lines end with LF, CR LF or CR; `:` starts a comment; a blank line ends an event. For
 * `p2pchat messages --follow` and the tests; the browser has its own in EventSource.
 */
export class EventStreamParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private pendingCR = false;
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): ReceivedEvent[] {
    const out: ReceivedEvent[] = [];
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of a CR LF.
    if (this.pendingCR && text.startsWith("\n")) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      if (match[0] === "\r" && match.index === this.buffer.length - 1) this.pendingCR = true;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  private line(line: string): ReceivedEvent | undefined {
    if (line === "") {
      if (this.data.length === 0) {
        this.event = "";
        return undefined;
      }
      const event = { event: this.event || "message", data: this.data.join("\n") };
      this.event = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
