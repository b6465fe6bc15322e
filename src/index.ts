/**
 * p2pchat as a library: `import { createChatNode } from "p2pchat"` (docs/api.md). Only what is
 * exported here is public; everything else under src/ may change between versions.
 */
export { createChatNode } from "./api/create.js";
export type {
  ChatLogger,
  ChatMessage,
  ChatNode,
  ChatNodeEvents,
  ChatNodeOptions,
  ChatPeer,
  HttpOptions,
} from "./api/types.js";
export type { LinkState } from "./http/wire.js";
export { VERSION } from "./version.js";
