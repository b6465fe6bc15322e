// The message id rules are protocol rules and live in src/protocol/message-id.ts; this module
// stays so that code written against the old path keeps working.
export {
  canonicalMessageId,
  compareMessageIds,
  isCanonicalMessageId,
  isMessageId,
  MessageIdClock,
  normalizeMessageId,
} from "../protocol/message-id.js";
