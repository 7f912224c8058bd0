import { createHash } from "node:crypto";

/**
 * The idempotency key of one tool call: a hash of the thread, the AI message that made the call and
 * the call's id, all of which are checkpointed before the tools step runs, so every execution of the
 * call (a retry, a crash-resume, a replay from an earlier checkpoint) gets the same key while a new
 * model reply never does. The message id is included because some OpenAI-compatible servers number
 * calls per reply (`call_0`), which alone would collide across turns and swallow a real action.
 * 64 hex characters: short enough for any provider's Idempotency-Key header.
 */
export function idempotencyKeyOf(threadId: string, call: { id: string; messageId?: string }): string {
  return createHash("sha256")
    .update(`${threadId}\u0000${call.messageId ?? ""}\u0000${call.id}`)
    .digest("hex");
}
