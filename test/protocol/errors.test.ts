// One catalogue of errors (docs/architecture.md habit 11): every E_ code written anywhere in src/ is in
// src/errors.ts once, and documented in docs/errors.md, which is generated from it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { renderErrorsDoc } from "../../src/errors-doc.js";
import { ERROR_CODES, ErrorCodes, ERRORS, fillHint, isErrorCode } from "../../src/errors.js";

// Compiled to dist/test/protocol/: the repository is three levels up.
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const SRC = join(REPO, "src");
const CATALOGUE_FILES = new Set(["errors.ts", "errors-doc.ts"]);
const CODE = /\bE_[A-Z][A-Z0-9_]*\b/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

/** Every E_ code written in src/ outside the catalogue, with the files it is in. */
function codesInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const name = relative(SRC, file);
    if (CATALOGUE_FILES.has(name)) continue;
    for (const code of new Set(readFileSync(file, "utf8").match(CODE) ?? [])) {
      found.set(code, [...(found.get(code) ?? []), name]);
    }
  }
  return found;
}

describe("errors catalogue", () => {
  it("has every E_ code that src/ uses", () => {
    const used = codesInSource();
    assert.ok(used.size >= 20, `the scan of ${SRC} found only ${used.size} codes: is it looking in the right place?`);
    const missing = [...used].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${files.join(", ")})`);
    assert.deepEqual(missing, [], "add these codes to src/errors.ts, then run node scripts/errors-doc.mjs");
  });

  it("has no code that src/ does not use", () => {
    const used = codesInSource();
    assert.deepEqual(ERROR_CODES.filter((code) => !used.has(code)), []);
  });

  it("says what each code means and what to do, on one line each", () => {
    for (const code of ERROR_CODES) {
      const { meaning, hint } = ERRORS[code];
      for (const text of [meaning, hint]) {
        assert.ok(text.length >= 10 && !/\n/.test(text), `${code}: ${JSON.stringify(text)}`);
      }
      const placeholders = hint.match(/\{[a-z]+\}/g) ?? [];
      assert.deepEqual(placeholders.filter((p) => !["{port}", "{address}", "{reason}"].includes(p)), [], `${code}: unknown placeholder`);
    }
  });

  it("offers typed constants that are the codes themselves", () => {
    assert.equal(ErrorCodes.E_NOT_INTRODUCED, "E_NOT_INTRODUCED");
    assert.deepEqual(Object.keys(ErrorCodes), ERROR_CODES);
    for (const code of ERROR_CODES) assert.equal(ErrorCodes[code], code);
    assert.equal(isErrorCode("E_NOT_INTRODUCED"), true);
    assert.equal(isErrorCode("E_NOPE"), false);
    assert.equal(isErrorCode("toString"), false);
  });

  it("fills the facts of the moment into a hint, and leaves out none it was not given", () => {
    assert.equal(fillHint("E_CONNECT_TIMEOUT", { port: 7000 }),
      "no answer to our TCP connect on 7000: a firewall dropping packets, or the host is gone.");
    assert.equal(fillHint("E_HELLO_REFUSED", { reason: "who are you" }),
      "answered our hello with an error (who are you): its program may speak the protocol differently.");
    assert.match(fillHint("E_CONNECT_TIMEOUT"), /\{port\}/);
  });
});

describe("docs/errors.md", () => {
  const doc = readFileSync(join(REPO, "docs", "errors.md"), "utf8");

  it("documents every code of the catalogue and every code src/ uses", () => {
    const documented = new Set(doc.match(CODE) ?? []);
    const undocumented = [...new Set([...ERROR_CODES, ...codesInSource().keys()])].filter((code) => !documented.has(code));
    assert.deepEqual(undocumented, []);
  });

  it("is what the catalogue generates (run node scripts/errors-doc.mjs after npm run build)", () => {
    assert.equal(doc, renderErrorsDoc());
  });
});
