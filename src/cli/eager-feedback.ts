// Required here, while feedback allocation is still V8's default, so that it comes from Node's
// cache (below): `net` requires `cluster` (and it `child_process`) the first time a server
// listens, after feedbackFromFirstCall(). (The global `performance` would load `perf_hooks` the
// same way; the daemon's clock is monotonic-clock.ts, which needs no module.)
import "node:cluster";
import { setFlagsFromString } from "node:v8";

/** V8's flag: a function's feedback vector at its first call instead of after some eight. */
export const EAGER_FEEDBACK = "--no-lazy-feedback-allocation";

/**
 * From here on, a function gets the feedback vector its inline caches learn in, and that V8's
 * baseline compiler needs, at its first call. A peer that has just started takes its first peers
 * in with code that has run a few times only (bench/analysis.md "Feedback from the first call").
 *
 * Why from inside, after the daemon's chunk has loaded, and not on node's command line: V8 hashes
 * its flags into a code cache, and Node's cache of its own built-in modules is made under the
 * default. Under the flag from the start, two thirds of the built-in modules a daemon loads (the
 * ES module loader, the streams and `net` among them) were compiled from source at every start:
 * in starts in turn, 15-20 ms of time and of CPU more (bench/analysis.md "Node's modules from
 * Node's cache"). By the time this runs, the chunk's top-level code has required the modules the
 * daemon uses, from Node's cache; one loaded later (the page's `node:crypto`, the bridge's) is
 * compiled from source, as all of them were before.
 */
export function feedbackFromFirstCall(): void {
  setFlagsFromString(EAGER_FEEDBACK);
}
