/**
 * The bridge's libp2p identity: an Ed25519 private key in libp2p's protobuf form, in a file of
 * mode 0600, made at the first start and read at every later one (identity-file.ts says where).
 */
import { mkdirSync, openSync, readFileSync, renameSync, writeSync, closeSync, rmSync } from "node:fs";
import path from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";

/** Our key from `file`, or a new one written there; `created` says which. */
export async function loadOrCreateIdentity(file: string): Promise<{ key: PrivateKey; created: boolean }> {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`bridge identity ${file}: ${(err as Error).message}`);
  }
  if (bytes !== undefined) {
    try {
      return { key: privateKeyFromProtobuf(bytes), created: false };
    } catch (err) {
      // Not made up anew: that would silently change our /p2p/ id under every other site.
      throw new Error(`bridge identity ${file} is not a libp2p private key (${(err as Error).message}); ` +
        `move it away to make a new identity`);
    }
  }
  const key = await generateKeyPair("Ed25519");
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under another name, then renamed: a crash never leaves half a key behind.
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, "wx", 0o600);
  try {
    writeSync(fd, privateKeyToProtobuf(key));
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
  return { key, created: true };
}
