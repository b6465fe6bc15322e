// docs/two-schools.md, done as it says: its two config blocks, read from the page itself, run on
// two bridge hosts (only the public address, the id and the key's place are filled in), its
// checks (`p2pchat peers`, `p2pchat status`, GET /peers) and the log lines it quotes. If the page
// and p2pchat part ways, this fails.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { withBridgeSites, type BridgeSite } from "./bridge-sites.js";
import { bridgeId, roomCarries, waitConnected, type Member } from "./bridge-steps.js";
import { repoRoot, requireLan } from "./netns.js";
import { waitFor } from "../support/wait.js";

const PAGE = fs.readFileSync(path.join(repoRoot, "docs", "two-schools.md"), "utf8");
const CLI = path.join(repoRoot, "dist", "src", "cli", "main.js");

/** The page's ```ini blocks, in order. */
function iniBlocks(): string[] {
  return [...PAGE.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The page's example id (`12D3KooWJx…`), the public address it dials, and the key's place. */
const EXAMPLE_ID = "12D3KooWJx…";
const EXAMPLE_PUBLIC = "203.0.113.10";
const EXAMPLE_KEY = "/etc/p2pchat/room.key";

/** Runs a p2pchat command inside the bridge host's namespace, against its daemon. */
function cli(site: BridgeSite, args: string[]): string {
  return execFileSync("ip", ["netns", "exec", site.host.ns, process.execPath, CLI, ...args, "--http-bind", site.host.address],
    { encoding: "utf8", timeout: 10_000, cwd: site.lan.artifactsDir });
}

test("docs/two-schools.md: its config blocks, run as written, make one room; its checks and log lines are p2pchat's", async (t) => {
  if (!requireLan(t)) return;
  const blocks = iniBlocks();
  assert.equal(blocks.length, 2, "two config blocks on the page: school A's and school B's");
  const [schoolA, schoolB] = blocks as [string, string];
  assert.ok(schoolA.includes("[BRIDGE]") && schoolB.includes("[BRIDGE]"), "both are [BRIDGE] blocks");
  assert.ok(schoolB.includes(`${EXAMPLE_PUBLIC}`) && schoolB.includes(EXAMPLE_ID), "school B's block dials the example address and id");

  await withBridgeSites({ names: ["a", "b"], others: 0 }, async (sites) => {
    const [a, b] = sites.sites as [BridgeSite, BridgeSite];
    // Step 1, `p2pchat bridge-key > room.key`, made the sites' key (bridge-sites.ts checks its form).
    const key = sites.keyFile;
    const start = (site: BridgeSite, ini: string) => {
      fs.mkdirSync(site.lan.artifactsDir, { recursive: true });
      const file = path.join(site.lan.artifactsDir, "config.ini");
      fs.writeFileSync(file, ini.replaceAll(EXAMPLE_KEY, key));
      // The identity file's default place without the service: $XDG_STATE_HOME/p2pchat/.
      site.process = site.lan.spawnP2pchat(site.host, {
        peerId: site.peerId, args: ["--config", file], env: { XDG_STATE_HOME: path.join(site.lan.artifactsDir, "state") }, name: `${site.name}-walkthrough`,
      });
      return site.process;
    };

    const procA = start(a, schoolA);
    const idA = await bridgeId(sites, a);
    // The start-up line the page quotes, with the id, the identity file and the listen address.
    await waitFor(() => /bridge: joined room "class-7b" as 12D3KooW\S+ \(new identity in \S+bridge-identity\.key\); listening on \/ip4\/\S+\/tcp\/9877\/p2p\/12D3KooW/.test(procA.output()),
      { timeoutMs: 5_000, what: "school A's start-up line as the page quotes it" })
      .catch(() => assert.fail(`school A's log:\n${procA.output()}`));
    assert.ok(fs.existsSync(path.join(a.lan.artifactsDir, "state", "p2pchat", "bridge-identity.key")), "the identity file in $XDG_STATE_HOME/p2pchat/");
    const viewA = await sites.bridgeOf(a);
    assert.equal(viewA?.room, "class-7b");
    assert.ok(viewA?.listen.some((l) => l.endsWith(`/tcp/9877/p2p/${idA}`)), JSON.stringify(viewA?.listen));

    // School B's block, with school A's address as B reaches it and A's id from its /peers.
    start(b, schoolB.replaceAll(EXAMPLE_PUBLIC, a.host.otherAddress).replaceAll(EXAMPLE_ID, idA));
    const idB = await bridgeId(sites, b);
    await Promise.all([waitConnected(sites, b, [idA], 15_000), waitConnected(sites, a, [idB], 15_000)]);
    const member = (site: BridgeSite, id: string): Member => ({ site, lan: site.lan, host: site.host, id, ref: site.host, refId: "", refProcess: site.process! });
    await roomCarries(member(a, idA), member(b, idB));

    // Step 5's checks: `p2pchat peers` ends with the bridge table, `p2pchat status` has a bridge line.
    const peers = cli(b, ["peers"]);
    assert.match(peers, new RegExp(`Bridge ${idB} in room "class-7b"`), `p2pchat peers on B:\n${peers}`);
    assert.match(peers, new RegExp(`${idA.slice(0, 12)}\\S*\\s+in the room\\s+/ip4/${a.host.otherAddress.replace(/\./g, "\\.")}/tcp/9877/p2p/${idA}`), `p2pchat peers on B:\n${peers}`);
    const status = cli(b, ["status"]);
    assert.match(status, /bridge\s+12D3KooW\S+ in room "class-7b": 1 of 1 other site connected/, `p2pchat status on B:\n${status}`);
    t.diagnostic(`p2pchat peers on school B:\n${peers}`);
    t.diagnostic(`p2pchat status on school B:\n${status}`);
  });
});
