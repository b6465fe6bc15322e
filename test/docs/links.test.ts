// The documents hold together: every relative link in README.md, CHANGELOG.md and docs/*.md
// points at a file that exists (and, into a Markdown file, at a heading that exists), every docs
// page is reachable from the README, and the README stays short enough to read in five minutes.
// External links are not fetched: the tests never leave loopback.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README_MAX_LINES = 250;

const DOCS = [
  "README.md",
  "CHANGELOG.md",
  ...readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks and inline code spans: links in code are not links. */
function prose(markdown: string): string {
  const lines: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) lines.push(line.replace(/`[^`]*`/g, ""));
  }
  return lines.join("\n");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors a Markdown file's headings make, with GitHub's -1, -2 for repeated ones. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading?.[1]) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link and image target of a document, as written. */
function linksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? "");
}

describe("documentation links", () => {
  for (const doc of DOCS) {
    it(`every relative link in ${doc} resolves`, () => {
      const path = join(ROOT, doc);
      const broken: string[] = [];
      for (const target of linksOf(readFileSync(path, "utf8"))) {
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:, file:
        const [file = "", anchor] = target.split("#", 2);
        const resolved = file === "" ? path : join(dirname(path), decodeURIComponent(file));
        if (!existsSync(resolved)) {
          broken.push(`${target}: no file ${relative(ROOT, resolved)}`);
        } else if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor)) {
          broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, resolved)}`);
        }
      }
      assert.deepEqual(broken, [], `${doc} has broken links`);
    });
  }

  it("the README links every docs page", () => {
    const linked = new Set(linksOf(readFileSync(join(ROOT, "README.md"), "utf8")).map((t) => t.split("#")[0]));
    const missing = DOCS.filter((doc) => doc.startsWith("docs/") && !linked.has(doc));
    assert.deepEqual(missing, [], "pages the README's contents do not link");
  });

  it(`the README is at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n").length - 1;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
  });

  it("the anchors are GitHub's", () => {
    assert.equal(slug("4. HTTP API (port 8000)"), "4-http-api-port-8000");
    assert.equal(slug("Checking a peer: `p2pchat probe`"), "checking-a-peer-p2pchat-probe");
    assert.equal(slug("Libraries, and why"), "libraries-and-why");
  });
});
