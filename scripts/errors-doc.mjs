#!/usr/bin/env node
// Writes docs/errors.md from the errors catalogue. Run after `npm run build`:
//   node scripts/errors-doc.mjs
// test/protocol/errors.test.ts fails while the file differs from what this writes.
import { writeFileSync } from "node:fs";
import { renderErrorsDoc } from "../dist/src/errors-doc.js";

const target = new URL("../docs/errors.md", import.meta.url);
writeFileSync(target, renderErrorsDoc());
console.log(`wrote ${target.pathname}`);
