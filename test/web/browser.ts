// Headless Chromium for the page tests: Debian's own chromium package driven by playwright-core
// (never a browser that Playwright downloads), with a throwaway profile removed afterwards.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.P2PCHAT_CHROMIUM ?? "/usr/bin/chromium";

/** The colour emoji font the page test checks the page draws with (Debian fonts-noto-color-emoji). */
const EMOJI_FONT = "NotoColorEmoji.ttf";
const FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", path.join(os.homedir(), ".local/share/fonts")];

function hasFile(dir: string, name: string): boolean {
  try {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).some((entry) => path.basename(entry) === name);
  } catch {
    return false; // no such directory
  }
}

/** What the browser test needs and this machine lacks, as Debian packages; empty when all is there. */
export function missingForBrowser(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(CHROMIUM)) missing.push("chromium");
  if (!FONT_DIRS.some((dir) => hasFile(dir, EMOJI_FONT))) missing.push("fonts-noto-color-emoji");
  return missing;
}

/**
 * For the top of a browser test: true if Chromium and the colour emoji font are installed.
 * Otherwise the test is skipped naming both packages (installing only Chromium would turn the
 * skip into a failure on the emoji check), except on CI (CI set), where it fails instead.
 */
export function requireChromium(t: TestContext): boolean {
  const missing = missingForBrowser();
  if (missing.length === 0) return true;
  const why = `needs chromium (${CHROMIUM}) and fonts-noto-color-emoji; missing: ${missing.join(", ")} ` +
    "(Debian: apt-get install chromium fonts-noto-color-emoji)";
  if (process.env.CI) throw new Error(`browser tests cannot run on this CI machine: ${why}`);
  t.skip(why);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "p2pchat-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox", // we run as root in CI
        "--disable-gpu",
        // The tests may talk to their own LAN only: no update checks, no sync, no name lookups.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 198.18.*, EXCLUDE 198.19.*, EXCLUDE 127.*",
      ],
      viewport: { width: 1100, height: 720 },
      locale: "cs-CZ",
      timezoneId: "Europe/Prague",
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
