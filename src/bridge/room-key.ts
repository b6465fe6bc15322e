/**
 * The room key: 32 random bytes, written as 64 hex characters in a file of their own. Only
 * bridges that hold the same key can connect: it becomes the pre-shared key of a libp2p private
 * network (@libp2p/pnet), which encrypts every connection with it before anything else is said.
 * Pure and free of libp2p: the config loader checks the file, and `p2pchat bridge-key` makes one.
 */
import { readFileSync } from "node:fs";

/** 64 hex characters; a trailing newline (as `p2pchat bridge-key > room.key` writes) and spaces are fine. */
const KEY_TEXT = /^[0-9a-fA-F]{64}$/;

/** What the key file must hold, in the words of a config error. */
export const ROOM_KEY_EXPECTED = "a file holding 64 hex characters (32 random bytes; make one with `p2pchat bridge-key > room.key`)";

/** The key in `text`, lower-cased, or undefined when it is not 64 hex characters. */
export function parseRoomKey(text: string): string | undefined {
  const trimmed = text.trim();
  return KEY_TEXT.test(trimmed) ? trimmed.toLowerCase() : undefined;
}

/**
 * Reads the key file: the key, or why it cannot be used (in a few words, for the config error).
 * Read whole only when small: a key file is 65 bytes, and a wrong path must not load a disk image.
 */
export function readRoomKeyFile(path: string): { key: string } | { problem: string } {
  let text: string;
  try {
    const buffer = readFileSync(path);
    if (buffer.length > 1024) return { problem: `it holds ${buffer.length} bytes` };
    text = buffer.toString("utf8");
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
  const key = parseRoomKey(text);
  return key === undefined ? { problem: "it does not hold 64 hex characters" } : { key };
}

/** The key in the swarm-key format @libp2p/pnet reads (the format go-ipfs and kubo use too). */
export function swarmKeyOf(hexKey: string): Uint8Array {
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${hexKey}`);
}
