/**
 * The bridge's one entry point. node.ts reaches it with a single dynamic `import()`, only when a
 * bridge is configured, so libp2p (about 0.4 s and 35 MB to load) costs nothing otherwise, and a
 * bundler can keep all of it in a chunk of its own.
 */
// First: libp2p 3 needs Promise.withResolvers, which Node 20 lacks.
import "./with-resolvers.js";

export { startBridge, topicOf } from "./bridge.js";
export { CATCH_UP_PROTOCOL } from "./catch-up.js";
