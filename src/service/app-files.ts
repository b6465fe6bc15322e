/**
 * What of a built checkout makes up the installed app: everything the running peer may read
 * (dist/src, package.json, the config reference, runtime assets) plus the production packages of
 * node_modules, and nothing of the development setup. Copied, not installed with npm, so that an
 * install needs no network and runs exactly the dependency versions this checkout was tested with.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, chmodSync, lstatSync } from "node:fs";
import path from "node:path";

/**
 * Top-level entries of a checkout that the running app never reads. It is a list of what stays
 * behind rather than of what ships, so that a runtime asset added later (a web page, say) is
 * installed without anyone remembering to add it here.
 */
const DEVELOPMENT_ONLY = new Set(["src", "test", "scripts", "bench", "examples", "node_modules", "test-artifacts", "tsconfig.json", "tsconfig.types.json"]);

/** Inside the copied directories: compiled tests, tsc's build cache, a developer's own config. */
const DEVELOPMENT_FILES = new Set([path.join("dist", "test"), path.join("dist", ".tsbuildinfo"), path.join("dist", ".built"), path.join("config", "config.ini")]);

export class AppFilesError extends Error {
  override readonly name = "AppFilesError";
}

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/**
 * The node_modules paths (relative, e.g. `node_modules/ini`) of the production dependencies,
 * from package-lock.json (lockfile version 2 or 3, which lists every installed package and marks
 * the development-only ones `dev`).
 */
export function productionPackages(lockText: string): Array<{ path: string; optional: boolean }> {
  let lock: { lockfileVersion?: unknown; packages?: Record<string, LockPackage> };
  try {
    lock = JSON.parse(lockText) as typeof lock;
  } catch (err) {
    throw new AppFilesError(`package-lock.json is not JSON: ${(err as Error).message}`);
  }
  if (typeof lock.packages !== "object" || lock.packages === null) {
    throw new AppFilesError(`package-lock.json has no "packages" (lockfileVersion ${String(lock.lockfileVersion)}; npm 7 or newer writes version 2 or 3)`);
  }
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key.startsWith("node_modules/") && !entry.dev && !entry.link)
    .map(([key, entry]) => ({ path: key, optional: Boolean(entry.optional || entry.devOptional) }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Copies the app from the checkout at `source` into the empty or absent directory `dest`: files
 * 0644, directories 0755, owned by whoever runs this (root, for the service). Throws
 * AppFilesError if the checkout is not built or its node_modules do not match its lock file.
 */
export function copyApp(source: string, dest: string): { packages: number } {
  const main = path.join(source, "dist", "src", "cli", "main.js");
  if (!existsSync(main)) throw new AppFilesError(`${main} is missing: build first (npm ci builds)`);
  const lockFile = path.join(source, "package-lock.json");
  if (!existsSync(lockFile)) throw new AppFilesError(`${lockFile} is missing`);
  const packages = productionPackages(readFileSync(lockFile, "utf8"));

  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(source)) {
    if (name.startsWith(".") || DEVELOPMENT_ONLY.has(name)) continue;
    cpSync(path.join(source, name), path.join(dest, name), {
      recursive: true,
      filter: (from) => !DEVELOPMENT_FILES.has(path.relative(source, from)),
    });
  }

  let copied = 0;
  for (const pkg of packages) {
    const from = path.join(source, pkg.path);
    if (!existsSync(from)) {
      if (pkg.optional) continue; // an optional dependency this platform does not use
      throw new AppFilesError(`${pkg.path} is missing from ${source}: run npm ci there first`);
    }
    // A package's own nested node_modules are listed in the lock file on their own, dev or not.
    const nested = path.join(from, "node_modules");
    cpSync(from, path.join(dest, pkg.path), { recursive: true, filter: (p) => p !== nested });
    copied += 1;
  }
  normaliseModes(dest);
  return { packages: copied };
}

/** The checkout's modes may be anything (a umask of 077, an executable bit); the service only reads. */
function normaliseModes(dir: string): void {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) {
    const entry = path.join(dir, name);
    const stat = lstatSync(entry);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) normaliseModes(entry);
    else chmodSync(entry, 0o644);
  }
}

/** The version in a package.json, for messages. */
export function packageVersion(root: string): string {
  try {
    const text = readFileSync(path.join(root, "package.json"), "utf8");
    return String((JSON.parse(text) as { version?: unknown }).version ?? "?");
  } catch {
    return "?";
  }
}

/** True if `dir` exists and is a directory. */
export function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
