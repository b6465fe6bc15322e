// The package as a user gets it: `npm pack`, installed into a fresh project from the tarball, used
// from strict TypeScript (compiled against the installed declarations) to chat with the reference
// peer on a LAN of network namespaces. Needs the npm registry for p2pchat's own dependencies.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { promisify } from "node:util";
import { createLan, repoRoot, requireLan, requireRefpeer, type LanHost, type LanProcess } from "../lan/netns.js";
import { historyOf, httpUp, send } from "../lan/scenario.js";
import { waitFor } from "../support/wait.js";

const run = promisify(execFile);

/** ~20 lines a user might write; compiled with --strict against the installed package's types. */
const USER_SCRIPT = `import { createChatNode, type ChatMessage, type ChatNodeOptions } from "p2pchat";

const [peerId = "ts-user", broadcastAddress] = process.argv.slice(2);
const options: ChatNodeOptions = { peerId, ...(broadcastAddress ? { broadcastAddress } : {}) };
const node = createChatNode(options);
const fromOthers = new Promise<ChatMessage>((resolve) => {
  node.on("message", (m) => {
    if (m.peer_id !== node.peerId) resolve(m);
  });
});
node.on("peer", (peer) => {
  if (peer.state === "both") console.log(\`connected to \${peer.peer_id}\`);
  // @ts-expect-error not a state: proves the types resolved (an \`any\` would accept it)
  if (peer.state === "sideways") throw new Error("unreachable");
});
// @ts-expect-error send() takes text
if (process.argv.length > 99) await node.send(42);
await node.start();
const sent: ChatMessage = await node.send("hello from the installed package");
console.log(\`sent \${sent.id}\`);
const got = await fromOthers;
console.log(\`got "\${got.message}" from \${got.peer_id}; \${node.messages().length} messages in all\`);
await node.stop(); // the process must then end by itself: nothing left open
`;

interface PackedFile {
  path: string;
}

function waitForOutput(process: LanProcess, pattern: RegExp, what: string, timeoutMs = 10_000): Promise<true> {
  return waitFor(() => pattern.test(process.output()), { timeoutMs, what: `${what}; its output so far:\n${process.output()}` });
}

test("npm pack: the tarball installs, its types compile strict, and it chats with the reference peer", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t)) return;
  const work = mkdtempSync(path.join(tmpdir(), "p2pchat-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  // --ignore-scripts: `prepare` would build again; the test run has just built dist/.
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: repoRoot });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; entryCount: number; size: number; files: PackedFile[] }>;
  assert.ok(info, packed.stdout);
  const files = info.files.map((f) => f.path);
  t.diagnostic(`tarball ${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(0)} KiB`);
  const devOnly = files.filter((f) => /^(dist\/)?(test|bench)\/|^(src|scripts|examples)\//.test(f) || f.endsWith(".map") || f.endsWith(".tsbuildinfo"));
  assert.deepEqual(devOnly, [], "no tests, bench data, sources or build caches in the tarball");
  for (const needed of ["package.json", "README.md", "LICENSE", "docs/api.md", "dist/src/index.js", "dist/src/index.d.ts",
    "dist/src/cli/main.js", "dist/src/cli/chunks/daemon.cjs", "dist/src/cli/chunks/daemon.cjs.cache", "dist/web/app.js", "web/index.html", "config/config.example.ini"]) {
    assert.ok(files.includes(needed), `${needed} is in the tarball`);
  }

  const app = path.join(work, "app");
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "chat-user", private: true, type: "module" }));
  let since = performance.now();
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(work, info.filename)], {
    cwd: app,
    timeout: 60_000,
  });
  t.diagnostic(`npm install of the tarball: ${(performance.now() - since).toFixed(0)} ms`);
  // The daemon comes with it: its command runs from the installed package.
  const version = await run(path.join(app, "node_modules", ".bin", "p2pchat"), ["--version"], { cwd: app });
  assert.match(version.stdout, /0\.1\.0/);

  writeFileSync(path.join(app, "chat.ts"), USER_SCRIPT);
  // The user's own @types/node (a TypeScript user of any Node library has it); ours, to save a download.
  writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true,
      // Checking all of @types/node would take most of this test's time; the @ts-expect-error
      // lines in the script fail to compile if p2pchat's declarations did not resolve (any).
      skipLibCheck: true,
      typeRoots: [path.join(repoRoot, "node_modules", "@types")], types: ["node"],
    },
    files: ["chat.ts"],
  }));
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  since = performance.now();
  await run(process.execPath, [tsc, "-p", app], { cwd: app }).catch((err: { stdout?: string; message: string }) => {
    throw new Error(`tsc failed on the user's script:\n${err.stdout ?? err.message}`);
  });
  t.diagnostic(`tsc --strict on the user's script: ${(performance.now() - since).toFixed(0)} ms`);

  const lan = await createLan({ hosts: 2 });
  t.after(() => lan.destroy());
  const [refHost, userHost] = lan.hosts as [LanHost, LanHost];
  lan.spawnRefpeer(refHost, { peerId: "ref" });
  await httpUp(lan, refHost);
  const user = lan.spawn(userHost, process.execPath, [path.join(app, "chat.js"), "ts-user", lan.broadcast], {
    name: "ts-user",
    cwd: app,
  });
  await waitForOutput(user, /connected to ref/, "the user's script to connect to ref");
  await send(lan, refHost, "hi, installed package");
  assert.deepEqual(await user.exited, { code: 0, signal: null }, `the script ends by itself:\n${user.output()}`);
  assert.match(user.output(), /got "hi, installed package" from ref; 2 messages in all/);
  await waitFor(async () => Object.values(await historyOf(lan, refHost))
    .some((m) => m.peer_id === "ts-user" && m.message === "hello from the installed package"),
  { timeoutMs: 5_000, what: "the script's message in ref's history" });
});

test("npm install -g of the tarball puts a working p2pchat on PATH", async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), "p2pchat-global-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  // --ignore-scripts: the test run has just built dist/, which is what the tarball ships.
  const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: repoRoot });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  assert.ok(info, packed.stdout);
  const prefix = path.join(work, "prefix");
  // --offline: the tests reach no registry; p2pchat's one dependency is in npm's cache after `npm ci`.
  // Nothing is built on install (npm runs no `prepare` for a tarball): the tarball's dist/ is used as is.
  const installed = await run("npm", ["install", "-g", "--prefix", prefix, "--offline", "--no-audit", "--no-fund",
    path.join(work, info.filename)], { cwd: work, timeout: 60_000 })
    .catch((err: { stderr?: string; message: string }) => {
      throw new Error(`npm install -g failed (is ini in npm's cache? npm ci puts it there):\n${err.stderr ?? err.message}`);
    });
  assert.doesNotMatch(installed.stderr, /npm (ERR|error)/);
  // As a user types it: the bare name, found on PATH, from a directory that is not the checkout.
  const env = { ...process.env, PATH: `${path.join(prefix, "bin")}:${process.env.PATH ?? ""}` };
  const version = await run("p2pchat", ["--version"], { cwd: work, env });
  assert.equal(version.stdout, `${JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version}\n`);
  const help = await run("p2pchat", ["--help"], { cwd: work, env });
  assert.match(help.stdout, /^p2pchat \d+\.\d+\.\d+: a peer of the classroom LAN chat protocol\n/);
});
