import { LibraryChatNode } from "./chat-node.js";
import { resolveOptions } from "./options.js";
import type { ChatNode, ChatNodeOptions } from "./types.js";

/**
 * A peer of the classroom chat protocol, not yet started: options are checked here (TypeError or
 * RangeError naming the option), sockets open only in start(). See docs/api.md.
 */
export function createChatNode(options: ChatNodeOptions = {}): ChatNode {
  return new LibraryChatNode(resolveOptions(options));
}
