import type { BaseMessage } from "@langchain/core/messages";

/**
 * Token estimate good enough to plan context with: about four characters per token for English
 * and code, plus a small per-message overhead for roles and separators. It runs on every step, so
 * it is a character count rather than a tokenizer (and needs no download).
 */
export const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateMessageTokens(message: BaseMessage): number {
  const content = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
  let chars = content.length;
  const calls = (message as { tool_calls?: { name: string; args: unknown }[] }).tool_calls ?? [];
  for (const call of calls) chars += call.name.length + JSON.stringify(call.args).length;
  return PER_MESSAGE_OVERHEAD + Math.ceil(chars / CHARS_PER_TOKEN);
}

export function estimateTokens(messages: readonly BaseMessage[]): number {
  let total = 0;
  for (const message of messages) total += estimateMessageTokens(message);
  return total;
}
