import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, describe, it } from "node:test";
import { freePort, loopbackHosts } from "../support/loopback.js";

/**
 * "Free when off": a daemon without a bridge never resolves a module of libp2p. Every module the
 * daemon loads goes through a resolve hook (node:module register()) that writes its URL to a file;
 * the same daemon with a bridge is the control, so the check can fail.
 */

const CLI = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "p2pchat-lazy-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = join(dir, "hooks.mjs");
writeFileSync(HOOKS, `
import { appendFileSync } from "node:fs";
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + "\\n");
  return result;
}
`);
const KEY = join(dir, "room.key");
writeFileSync(KEY, "ef".repeat(32));

/** Runs the daemon until it listens, stops it, and answers every module URL it resolved. */
async function resolvedBy(name: string, extra: string[]): Promise<string[]> {
  const log = join(dir, `${name}.resolved`);
  writeFileSync(log, "");
  const register = `import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(HOOKS).href)}, ` +
    `{ data: { log: ${JSON.stringify(log)} } });`;
  const [host] = loopbackHosts(1) as [string];
  const child = spawn(process.execPath, [
    "--import", `data:text/javascript,${encodeURIComponent(register)}`, CLI,
    "--peer-id", name, "--port", String(await freePort()), "--broadcast", host.replace(/\.\d+$/, ".250"),
    "--http-bind", host, "--http-port", String(await freePort()), ...extra,
  ], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line in 15 s: ${stderr}`)), 15_000);
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/ listening: /.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

const LIBP2P = /\/node_modules\/(?:libp2p|@libp2p|@chainsafe|@multiformats)\//;

describe("libp2p is loaded only for a bridge", () => {
  it("a daemon without a bridge resolves no module of libp2p; one with a bridge does", async () => {
    const off = await resolvedBy("off", []);
    assert.ok(off.some((url) => url.endsWith("/dist/src/node.js")), "the hook saw the daemon's own modules");
    assert.deepEqual(off.filter((url) => LIBP2P.test(url) || url.includes("/dist/src/bridge/index.js")), []);
    const [host] = loopbackHosts(1) as [string];
    const on = await resolvedBy("on", [
      "--bridge-listen", `/ip4/${host}/tcp/0`, "--bridge-key-file", KEY, "--bridge-identity-file", join(dir, "id.key"),
    ]);
    assert.ok(on.some((url) => /\/node_modules\/libp2p\//.test(url)), "with a bridge, libp2p is loaded");
    assert.ok(on.some((url) => url.includes("/dist/src/bridge/index.js")));
  });
});
