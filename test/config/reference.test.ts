// The documents made from the settings table, and the table's own consistency.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DAEMON_FLAGS_HELP, FLAG_SETTINGS } from "../../src/config/flags.js";
import { renderExampleIni, renderReferenceMarkdown } from "../../src/config/reference.js";
import { COMMAND_LINE_ORDER, ORDER_RULES, SECTIONS, SETTINGS } from "../../src/config/settings.js";

const committed = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");
const REGENERATE = "run `npm run gen:config` and commit the result";

describe("documents made from the settings table", () => {
  it("config/config.example.ini is exactly what the table makes", () => {
    assert.equal(committed("config/config.example.ini"), renderExampleIni(), REGENERATE);
  });

  it("docs/configuration.md is exactly what the table makes", () => {
    assert.equal(committed("docs/configuration.md"), renderReferenceMarkdown(), REGENERATE);
  });

  it("the reference has a row for every key, with its default, under its section", () => {
    const reference = renderReferenceMarkdown();
    const sections = reference.split(/^## /m);
    for (const setting of SETTINGS) {
      const body = sections.find((s) => s.startsWith(`[${setting.section}]\n`));
      assert.ok(body, `section [${setting.section}]`);
      const shown = typeof setting.default === "string" && setting.default !== "" ? setting.default : "";
      assert.match(body, new RegExp(`^\\| \`${setting.key}\` \\| [^|]*${shown}`, "m"), setting.name);
    }
  });

  it("--help describes every flag, with its default", () => {
    for (const setting of FLAG_SETTINGS) {
      // A long flag has its text on the next line.
      assert.match(DAEMON_FLAGS_HELP, new RegExp(`^  --${setting.flag.name} ${setting.flag.arg.replace(/[[\]]/g, "\\$&")}(?: +|\n {22})\\S`, "m"));
      // Long lines are wrapped, so compare with the spaces and line ends made single.
      assert.ok(DAEMON_FLAGS_HELP.replace(/\s+/g, " ").includes(`(default: ${setting.defaultShown})`), setting.name);
    }
    assert.ok(DAEMON_FLAGS_HELP.split("\n").every((line) => line.length <= 100), DAEMON_FLAGS_HELP);
  });
});

describe("the settings table", () => {
  it("names each setting and each flag once, in a known section", () => {
    const names = SETTINGS.map((s) => `${s.section}.${s.key.toLowerCase()}`);
    assert.equal(new Set(names).size, names.length);
    const flags = FLAG_SETTINGS.map((s) => s.flag.name);
    assert.equal(new Set([...flags, "config"]).size, flags.length + 1);
    for (const setting of SETTINGS) assert.ok(SECTIONS.includes(setting.section), setting.name);
    assert.deepEqual([...COMMAND_LINE_ORDER].sort(byName), [...SETTINGS].sort(byName));
  });

  it("orders only numbers of the same unit", () => {
    for (const { low, high } of ORDER_RULES) assert.equal(low.unit, high.unit, `${low.name} <= ${high.name}`);
  });
});

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
