#!/usr/bin/env node
// Writes config/config.example.ini and docs/configuration.md from the settings table
// (src/config/settings.ts, compiled: run `npm run build` first, or `npm run gen:config`).
// test/config/reference.test.ts fails while the committed files differ from what this writes.
import { writeFileSync } from "node:fs";
import { renderExampleIni, renderReferenceMarkdown } from "../dist/src/config/reference.js";

const outputs = [
  [new URL("../config/config.example.ini", import.meta.url), renderExampleIni()],
  [new URL("../docs/configuration.md", import.meta.url), renderReferenceMarkdown()],
];
for (const [file, text] of outputs) {
  writeFileSync(file, text);
  console.log(`wrote ${file.pathname}`);
}
