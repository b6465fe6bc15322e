/**
 * The user's logger, in the shape the node's parts log through. A library writes nothing uninvited:
 * without a logger the node is silent, and with one the user's own logger decides what to keep.
 */
import type { Logger } from "../log/logger.js";
import type { ChatLogger } from "./types.js";

const discard = (): void => {};

export function adaptLogger(logger: ChatLogger | undefined): Logger {
  if (!logger) {
    return { error: discard, warn: discard, info: discard, debug: discard, enabled: () => false };
  }
  // Methods are called on the logger (console and class-based loggers need their `this`), and one
  // that throws must not take the node down with it: logging happens inside socket handlers.
  const call = (method: keyof ChatLogger) => (message: string): void => {
    try {
      // One event, one line, as the daemon's logger has it: text from a peer forges no lines.
      logger[method](message.replace(/[\r\n]+/g, " "));
    } catch {
      // nowhere left to report it
    }
  };
  return { error: call("error"), warn: call("warn"), info: call("info"), debug: call("debug"), enabled: () => true };
}
