/**
 * config.ini as text and as settings: reading the file, and matching what `ini` made of it to the
 * table's sections and keys (case-insensitively), refusing whatever is not one of them.
 */
import { readFileSync } from "node:fs";
import { getSystemErrorMap } from "node:util";
import { parse as parseIni } from "ini";
import { ConfigError, type Given } from "./errors.js";
import { KNOWN_KEYS, SECTIONS, settingAt, type Setting } from "./settings.js";

/**
 * The file's text; null if the default file is simply absent (then the defaults apply).
 * `explicit`: named with --config, so it must be there.
 */
export function readConfigFile(filePath: string, fileName: string, explicit: boolean): string | null {
  try {
    return readFileSync(filePath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === "ENOENT") return null;
    const expected = `a readable file (${osReason(err)})`;
    // Asked for by name: the flag is what is wrong. The default file exists but cannot be read:
    // the file is what is wrong, and silently running on defaults would hide that.
    throw explicit
      ? new ConfigError("command line", "--config", fileName, expected)
      : new ConfigError(fileName, "file", filePath, expected);
  }
}

/** "ENOENT: no such file or directory", without the path Node appends to its message. */
function osReason(err: unknown): string {
  const { code, errno } = err as NodeJS.ErrnoException;
  const known = errno === undefined ? undefined : getSystemErrorMap().get(errno);
  if (known) return `${known[0]}: ${known[1]}`;
  return code ?? String(err);
}

const SECTION_LIST = SECTIONS.map((s) => `[${s}]`).join(", ");

/** Each setting the file gives, with where; throws a ConfigError for anything not a setting. */
export function settingsInFile(text: string, fileName: string): Map<Setting, Given> {
  // Notepad writes a BOM, and ini would then not see the first [SECTION] line as one.
  const parsed = parseIni(text.replace(/^\uFEFF/, "")) as Record<string, unknown>;
  const found = new Map<Setting, Given>();
  for (const [sectionName, body] of Object.entries(parsed)) {
    if (!isIniSection(body)) {
      throw new ConfigError(fileName, sectionName, asText(body), `a [SECTION] line above it, one of ${SECTION_LIST}`);
    }
    const section = matchName(SECTIONS, sectionName);
    const keys = section === undefined ? undefined : KNOWN_KEYS.get(section);
    if (section === undefined || keys === undefined) {
      throw new ConfigError(fileName, "section", sectionName, `one of ${SECTION_LIST}`);
    }
    for (const [keyName, value] of Object.entries(body)) {
      // ini turns [HTTP.extra] into a section nested in [HTTP].
      if (isIniSection(value)) {
        throw new ConfigError(fileName, "section", `${sectionName}.${keyName}`, `one of ${SECTION_LIST}`);
      }
      const name = `[${sectionName}] ${keyName}`;
      const key = matchName(keys, keyName);
      if (key === undefined) {
        throw new ConfigError(fileName, name, asText(value), `one of the keys of [${section}]: ${keys.join(", ")}`);
      }
      if (typeof value === "object" && value !== null) {
        throw new ConfigError(fileName, name, asText(value), "a single value (`key[] =` makes a list)");
      }
      found.set(settingAt(section, key), { origin: fileName, name, value: asText(value) });
    }
  }
  return found;
}

/** ini makes its sections with Object.create(null); parsed values ('{...}' in quotes) have a prototype. */
function isIniSection(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === null;
}

function matchName<T extends string>(known: Iterable<T>, name: string): T | undefined {
  const wanted = name.toLowerCase();
  for (const candidate of known) if (candidate.toLowerCase() === wanted) return candidate;
  return undefined;
}

/** ini yields booleans for true/false, null, and JSON for quoted text; the settings read text only. */
function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(asText).join(", ");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
