// The chat page end to end, as people use it: p2pchat peers on hosts of a LAN made of network
// namespaces (test/lan/netns.ts), a headless Chromium page open on two of them.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import type { Page, Request } from "playwright-core";
import { createLan, repoRoot, requireLan, requireRefpeer, type Lan, type LanHost } from "../lan/netns.js";
import { waitForMesh } from "../lan/scenario.js";
import { waitFor } from "../support/wait.js";
import { launchChromium, requireChromium } from "./browser.js";

const ARTIFACTS = path.join(repoRoot, "test-artifacts", "web");
const XSS = `<img src=x onerror="window.__xss=1;document.title='pwned'">`;

/** Opens the page a host's daemon serves, and records every request the page makes. */
async function openPage(lan: Lan, host: LanHost, page: Page) {
  const origin = `http://${host.address}:8000`;
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request: Request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(error.message));
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  // The state loads once the event stream is open; /history is held back meanwhile, so what the
  // page shows before its first data is seen for certain, not by luck of timing.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/history", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${origin}/`);
  await waitFor(() => requests.some((url) => new URL(url).pathname === "/history"), { timeoutMs: 5_000, what: "GET /history" });
  assert.deepEqual(
    await page.evaluate(`[document.querySelector("#live").dataset.live, document.querySelector("#live").textContent,
      document.querySelector("#messages").getAttribute("aria-busy")]`),
    ["no", "connecting…", "true"],
    "before its first data the page says connecting…, not live",
  );
  release();
  await page.waitForSelector('#live[data-live="yes"]', { timeout: 5_000 });
  await page.unroute("**/history");
  assert.equal(await page.getAttribute("#messages", "aria-busy"), null);
  return { origin, requests, errors, navigations: () => navigations };
}

// Code that runs in the page is given as text: this file is compiled for Node, without the DOM's types.

const textsOf = (page: Page) => page.locator("#messages .message .text").allTextContents();

/** A message on the page with this text (whitespace compared loosely; textsOf() checks it exactly). */
const shown = (page: Page, text: string) => page.locator("#messages").getByText(text, { exact: true });

/** Draws 🐴 in the messages' font on a canvas and counts its coloured pixels: 0 without a colour emoji font. */
const COUNT_COLOURED_EMOJI_PIXELS = `(() => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const context = canvas.getContext("2d");
  context.font = "48px " + getComputedStyle(document.querySelector("#messages .text")).fontFamily;
  context.fillText("🐴", 0, 52);
  const data = context.getImageData(0, 0, 64, 64).data;
  let coloured = 0;
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i], g = data[i + 1], b = data[i + 2], a = data[i + 3];
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
  }
  return coloured;
})()`;

test("the chat page: live messages both ways, peer text as text, the peers panel with a diagnosis", async (t) => {
  if (!requireLan(t) || !requireRefpeer(t) || !requireChromium(t)) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const lan = await createLan({ hosts: 3 });
  t.after(() => lan.destroy());
  const [h1, h2, h3] = lan.hosts as [LanHost, LanHost, LanHost];

  const started = performance.now();
  lan.spawnP2pchat(h1, { peerId: "alice" });
  lan.spawnP2pchat(h2, { peerId: "bob" });
  const browser = await launchChromium();
  t.after(() => browser.close());
  await waitForMesh(lan, [h1, h2], started);
  // A reference peer whose TCP server listens on its loopback only: it answers UDP hellos and
  // connects to us, but refuses our connections. The panel must say so in plain words.
  lan.spawnRefpeer(h3, { peerId: "carol", quirks: ["bind=127.0.0.1"] });

  const [alicePage, bobPage] = [await browser.context.newPage(), await browser.context.newPage()];
  const alice = await openPage(lan, h1, alicePage);
  const bob = await openPage(lan, h2, bobPage);
  assert.equal(await alicePage.textContent("#own-peer-id"), "alice");
  assert.equal(await bobPage.textContent("#own-peer-id"), "bob");
  await bobPage.evaluate("window.marker = 42");

  // A message typed on one page appears on the other within 1 s, without a reload.
  const hello = "Ahoj Bobe! Příliš žluťoučký kůň úpěl ďábelské ódy 🐴👋";
  await alicePage.fill("#send-text", hello);
  const appears = shown(bobPage, hello).waitFor({ timeout: 5_000 });
  const typed = performance.now();
  await alicePage.press("#send-text", "Enter");
  await appears;
  const latency = performance.now() - typed;
  t.diagnostic(`typed on alice's page, shown on bob's ${latency.toFixed(0)} ms later`);
  assert.ok(latency < 1_000, `the message took ${latency.toFixed(0)} ms`);
  await waitFor(async () => (await alicePage.inputValue("#send-text")) === "", { timeoutMs: 1_000, what: "the send box cleared" });

  const reply = "Ahoj Alice 😊 vidím tě hned, bez obnovení stránky.\nA druhý řádek.";
  await bobPage.fill("#send-text", reply);
  await bobPage.click("#send-button");
  await shown(alicePage, reply).waitFor({ timeout: 1_000 });

  // The payload is shown as the characters it is made of: no element, no request for "x", no script.
  await alicePage.fill("#send-text", XSS);
  await alicePage.press("#send-text", "Enter");
  await Promise.all([shown(bobPage, XSS).waitFor({ timeout: 1_000 }), shown(alicePage, XSS).waitFor({ timeout: 1_000 })]);
  for (const page of [alicePage, bobPage]) {
    assert.equal(await page.locator("#messages img").count(), 0, "no <img> in the messages");
    assert.equal(await page.evaluate("window.__xss"), undefined);
    assert.match(await page.title(), /^p2pchat · /);
  }
  assert.deepEqual(await textsOf(bobPage), [hello, reply, XSS]);
  assert.deepEqual(await textsOf(alicePage), [hello, reply, XSS]);
  assert.equal(await bobPage.evaluate("window.marker"), 42, "bob's page was never reloaded");
  assert.equal(bob.navigations(), 1);

  // Carol's messages reach alice over carol's own connection, though alice cannot reach carol.
  const fromCarol = "Čau, tady Carol 🐍";
  assert.equal((await lan.http(h3, `/send?message=${encodeURIComponent(fromCarol)}`)).status, 200);
  await shown(alicePage, fromCarol).waitFor({ timeout: 5_000 });

  // The peers panel: bob connected both ways; carol one way, with the plain-language hint.
  const bobRow = alicePage.locator('#peers .peer[data-peer-id="bob"]');
  await bobRow.and(alicePage.locator('[data-state="both"]')).waitFor({ timeout: 5_000 });
  assert.equal(await bobRow.locator(".badge").textContent(), "connected both ways");
  assert.equal(await bobRow.locator(".address").textContent(), h2.address);
  assert.equal(await bobRow.locator(".reach").textContent(), "LAN eth0");
  assert.match((await bobRow.locator(".seen").textContent()) ?? "", /^seen \d+ s ago$/);
  const carolRow = alicePage.locator('#peers .peer[data-peer-id="carol"]');
  await carolRow.locator(".hint").waitFor({ timeout: 10_000 });
  assert.equal(await carolRow.getAttribute("data-state"), "inbound-only");
  assert.equal(await carolRow.locator(".badge").textContent(), "one way");
  assert.match((await carolRow.locator(".hint").textContent()) ?? "",
    /^(answers UDP|connects to us) but refuses TCP on 9876: is its server running, or a firewall in the way\?/);
  assert.match((await carolRow.locator(".last-error").textContent()) ?? "", /^ECONNREFUSED: /);
  const aliceOnBob = bobPage.locator('#peers .peer[data-peer-id="alice"][data-state="both"]');
  await aliceOnBob.waitFor({ timeout: 5_000 });

  // Czech and emoji are drawn right: the emoji in colour (a colour emoji font is there and used).
  const colouredPixels = await bobPage.evaluate<number>(COUNT_COLOURED_EMOJI_PIXELS);
  assert.ok(colouredPixels > 100, `the emoji is drawn in colour (${colouredPixels} coloured pixels)`);

  // Every request went to the daemon that served the page: nothing from a CDN or elsewhere.
  for (const { origin, requests, errors } of [alice, bob]) {
    assert.deepEqual(requests.filter((url) => !url.startsWith(`${origin}/`)), []);
    assert.ok(!requests.some((url) => url === `${origin}/x`), "the payload's image was never requested");
    assert.deepEqual(errors, [], "no script errors");
  }

  await alicePage.screenshot({ path: path.join(ARTIFACTS, "alice.png") });
  await bobPage.screenshot({ path: path.join(ARTIFACTS, "bob.png") });

  // At phone width: nothing sticks out sideways, and the send box is still there to type in.
  await bobPage.setViewportSize({ width: 390, height: 760 });
  const overflow = await bobPage.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
  assert.ok(await bobPage.locator("#send-text").isVisible());
  const box = await bobPage.locator("#send-button").boundingBox();
  assert.ok(box && box.x + box.width <= 390 && box.y + box.height <= 760, "the send button is on screen");
  await bobPage.screenshot({ path: path.join(ARTIFACTS, "bob-phone.png") });

  // The CLI on alice's host answers "why don't I see carol?" the same way.
  const cli = lan.spawn(h1, process.execPath, [path.join(repoRoot, "dist/src/cli/main.js"), "peers", "--http-bind", h1.address], {
    name: "h1-p2pchat-peers",
  });
  const { code } = await cli.exited;
  assert.equal(code, 0, cli.output());
  assert.match(cli.output(), /^bob +connected both ways +198\.18\.\d+\.2 +LAN eth0 +\d+ s ago$/m);
  assert.match(cli.output(), /^carol +one way \(it → us\) +198\.18\.\d+\.3 +LAN eth0 +\d+ s ago +(answers UDP|connects to us) but refuses TCP on 9876/m);
});
