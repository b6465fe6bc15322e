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
// main.js and chunks/daemon.js, --version main.js alone. Each lazy import stays an `import()` of
// its chunk, so what is lazy stays lazy. The copies hold no state that two of them would have to
// share (constants, pure functions, classes each bundle makes its own objects of).
//
// Of the packages, only `ini` is bundled (CommonJS: loaded from node_modules it went through
// Node's CommonJS-to-ESM translation, which scans its source); every other package (libp2p, for
// an optional bridge) loads from node_modules when it is imported. The library
// (dist/src/index.js) and every other file under dist/ are tsc's output, as they were.
import { rmSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const cli = "dist/src/cli";
/** Each lazily imported module, by its source, and the chunk it becomes. */
const CHUNKS = {
  "src/cli/daemon.ts": "daemon",
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

rmSync(`${cli}/chunks`, { recursive: true, force: true }); // chunks of earlier builds
await Promise.all([
  bundle("src/cli/main.ts", `${cli}/main.js`, "./chunks/"),
  ...Object.entries(CHUNKS).map(([source, name]) => bundle(source, `${cli}/chunks/${name}.js`, "./")),
]);

/** One self-contained module; a lazily imported module of ours becomes an import of its chunk,
 *  `chunkPrefix` being the way there from `outfile`. */
function bundle(entry, outfile, chunkPrefix) {
  return build({
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
  });
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
