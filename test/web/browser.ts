// Headless Chromium for the page tests: Debian's own chromium package driven by playwright-core
// (never a browser that Playwright downloads), with a throwaway profile removed afterwards.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.P2PCHAT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * For the top of a browser test: true if Chromium is installed. Otherwise the test is skipped,
 * except on CI (CI set), where a missing browser must fail rather than pass as skipped.
 */
export function requireChromium(t: TestContext): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const why = `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
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
