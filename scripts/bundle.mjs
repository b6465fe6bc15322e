#!/usr/bin/env node
// `npm run build`'s last step: the command line (src/cli/main.ts and everything it imports) as one
// ES module, written over tsc's dist/src/cli/main.js, so that `p2pchat`, `npm start` and the
// service all run it. Loading ~60 modules one by one cost a daemon start about 100 ms of CPU in
// Node's ES module loader (resolving, reading and compiling each file); one file costs a fraction.
// What main.ts imports lazily (the daemon, each subcommand, --help's text, and any `import()`
// further in, such as an optional bridge) stays lazy: `splitting` puts each in a chunk of its own
// under dist/src/cli/chunks/, loaded only when it runs. Of the packages, only `ini` is bundled (a
// CommonJS module: loaded from node_modules it went through Node's CommonJS-to-ESM translation,
// which scans its source); any other package (an optional bridge's) loads from node_modules, when
// it is imported. The library (dist/src/index.js) is tsc's output, as it was.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const outdir = "dist/src/cli";
rmSync(`${outdir}/chunks`, { recursive: true, force: true }); // chunks of earlier builds
await build({
  entryPoints: { main: "src/cli/main.ts" },
  outdir,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [externalPackagesBut(["ini"])],
  sourcemap: true,
  // tsc keeps the shebang of main.ts; esbuild keeps it too. Nothing is minified: stack traces
  // and the source maps stay readable.
  logLevel: "warning",
});

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
