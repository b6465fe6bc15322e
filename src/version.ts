import { readFileSync } from "node:fs";

/** p2pchat's version, from package.json (compiled to dist/src/version.js, two levels below it). */
export const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
}).version;
