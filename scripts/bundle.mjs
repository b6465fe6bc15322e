#!/usr/bin/env node
// `npm run build`'s last step: the command line as a few self-contained ES modules, so that
// `p2pchat`, `npm start` and the service load one file per thing they do rather than ~60.
//
// Node's ES module loader pays per file (resolving, reading, compiling and linking each one), and
// on a daemon start that was most of the CPU beyond a bare Node.js script (bench/analysis.md).
// So every way in is one file: src/cli/main.ts is bundled over tsc's dist/src/cli/main.js, and
// each module it imports lazily (the daemon, --help's text, each subcommand), and any `import()`
// further in (the optional bridge), is bundled whole into dist/src/cli/chunks/<name>.js, with what
// it shares with the others copied in rather than split into shared chunks: a daemon start loads
// main.js and chunks/daemon.cjs, --version main.js alone. Each lazy import stays an `import()` of
// its chunk, so what is lazy stays lazy. The copies hold no state that two of them would have to
// share (constants, pure functions, classes each bundle makes its own objects of).
//
// The daemon's chunk is a script, not an ES module: Node 20 keeps V8's code cache for scripts
// only, and the daemon is loaded from one (src/cli/compiled-script.ts; the cache is written by
// scripts/code-cache.mjs, the build's next step). It is CommonJS inside the function wrapper that
// compiled-script.ts runs it in, which also hands it `import.meta.url` and `import()`.
//
// Of the packages, only `ini` is bundled (CommonJS: loaded from node_modules it went through
// Node's CommonJS-to-ESM translation, which scans its source); every other package (libp2p, for
// an optional bridge) loads from node_modules when it is imported. The library
// (dist/src/index.js) and every other file under dist/ are tsc's output, as they were.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const cli = "dist/src/cli";
/** Each lazily imported module, by its source, and the chunk it becomes. */
const CHUNKS = {
  "src/cli/usage.ts": "usage",
  "src/cli/send.ts": "send",
  "src/cli/messages.ts": "messages",
  "src/cli/peers.ts": "peers",
  "src/cli/status.ts": "status",
  "src/cli/install-service.ts": "install-service",
  "src/cli/bridge-key.ts": "bridge-key",
  "src/cli/probe.ts": "probe",
  "src/bridge/index.ts": "bridge",
};

/** Each module loaded as a script (src/cli/compiled-script.ts), and the chunk it becomes. */
const SCRIPTS = {
  "src/cli/daemon.ts": "daemon",
};

rmSync(`${cli}/chunks`, { recursive: true, force: true }); // chunks of earlier builds
await Promise.all([
  bundle("src/cli/main.ts", `${cli}/main.js`, "./chunks/"),
  ...Object.entries(CHUNKS).map(([source, name]) => bundle(source, `${cli}/chunks/${name}.js`, "./")),
  ...Object.entries(SCRIPTS).map(([source, name]) => bundleScript(source, `${cli}/chunks/${name}.cjs`)),
]);

/** One self-contained module; a lazily imported module of ours becomes an import of its chunk,
 *  `chunkPrefix` being the way there from `outfile`. */
function bundle(entry, outfile, chunkPrefix) {
  const esm = options(entry, outfile, chunkPrefix);
  return build({ ...esm, plugins: [builtinsWithoutTheLoader(), ...esm.plugins] });
}

function options(entry, outfile, chunkPrefix) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    plugins: [lazyChunks(chunkPrefix), externalPackagesBut(["ini"])],
    sourcemap: true,
    // tsc keeps the shebang of main.ts; esbuild keeps it too. Nothing is minified: stack traces
    // and the source maps stay readable.
    logLevel: "warning",
  };
}

/**
 * One self-contained script, for compiled-script.ts's wrapper: CommonJS, with `import.meta.url`
 * and every `import()` (of a chunk or of a built-in module loaded when used) turned into the
 * wrapper's `__import_meta_url` and `__import()`. esbuild writes a dynamic import as `import(`
 * and its specifier; the build fails unless it finds exactly as many as esbuild reports.
 */
async function bundleScript(entry, outfile) {
  const result = await build({
    ...options(entry, outfile, "./"),
    format: "cjs",
    define: { "import.meta.url": "__import_meta_url" },
    write: false,
    metafile: true,
  });
  const dynamicImports = Object.values(result.metafile.inputs)
    .flatMap((input) => input.imports)
    .filter((imported) => imported.kind === "dynamic-import").length;
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith(".cjs")) {
      if (/\bimport\.meta\b/.test(text)) throw new Error(`${outfile}: import.meta left in a script`);
      let found = 0;
      text = text.replace(/\bimport\((?=["'`])/g, () => (found++, "__import("));
      if (found !== dynamicImports) throw new Error(`${outfile}: ${found} import( in the output, esbuild reports ${dynamicImports} dynamic imports`);
      // A package required by a script would load outside the ES module loader, where the tests
      // that list what a daemon loads (test/lan/bridge-off.test.ts) look: built-in modules only.
      const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]).filter((name) => !name.startsWith("node:"));
      if (required.length > 0) throw new Error(`${outfile}: requires ${required.join(", ")}: a script may require only node: modules`);
    }
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, text);
  }
}

/**
 * A built-in module (`node:fs`) that an ES module chunk imports is taken from
 * `process.getBuiltinModule()` (Node 20.16 and later) instead of through the ES module loader.
 * The loader resolves, loads and links each one, and makes it a facade that reads every export
 * once: `node:fs`'s `ReadStream` getter loads Node's file streams, which nothing of a daemon's
 * start needs (bench/analysis.md "Fewer of Node's modules at a start"). The script chunk
 * (bundleScript) requires them as CommonJS does, which is the same.
 */
function builtinsWithoutTheLoader() {
  return {
    name: "builtins-without-the-loader",
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "builtin" }));
      build.onLoad({ filter: /.*/, namespace: "builtin" }, (args) => ({
        contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
    },
  };
}

/** A dynamic `import()` of one of our modules stays one, of that module's chunk. */
function lazyChunks(chunkPrefix) {
  return {
    name: "lazy-chunks",
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind !== "dynamic-import") return undefined;
        const source = path.relative(process.cwd(), path.resolve(args.resolveDir, args.path)).replace(/\.js$/, ".ts");
        const name = CHUNKS[source];
        if (!name) return { errors: [{ text: `${source} is imported lazily but has no chunk in scripts/bundle.mjs` }] };
        return { path: `${chunkPrefix}${name}.js`, external: true };
      });
    },
  };
}

/** Every bare import (a package) stays an import, except the packages named. */
function externalPackagesBut(bundled) {
  return {
    name: "external-packages",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
        return bundled.includes(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}
