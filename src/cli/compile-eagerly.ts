/**
 * Runs `load` (an `import()`) with V8 compiling every function of what it loads at once, instead
 * of each at its first call, and V8's usual lazy compiling back on for everything after.
 *
 * For the daemon's chunk (src/cli/main.ts). Compiled lazily, the code that takes a peer in (the
 * answer to its hello, the peer table's entry, both connections, the hello reply) was compiled
 * the first time a peer came: in a peer that had just started, that is at the moment the room is
 * waiting on it, on cores every other peer of the room shares. In the mesh benchmark the last
 * peer to start took 200 ms to be connected both ways with 19 others, its log showing it 54 ms
 * behind on the first answer to its hello; compiled as it loads, 43 and 61 ms in two runs
 * (bench/analysis.md, "What the last peer waited for"). Compiling it all costs the start a few
 * ms more than compiling what the start itself runs, and every function is parsed once instead
 * of twice (a lazy function is pre-parsed as the file loads, then parsed again when first
 * called).
 *
 * node:v8 is imported here, on the daemon's way only: --version, --help and the subcommands do
 * not load it. V8 reads `lazy` each time it compiles a script, so the setting applies to what is
 * loaded while it is on.
 */
export async function compiledEagerly<T>(load: () => Promise<T>): Promise<T> {
  const { setFlagsFromString } = await import("node:v8");
  setFlagsFromString("--no-lazy");
  try {
    return await load();
  } finally {
    setFlagsFromString("--lazy");
  }
}
