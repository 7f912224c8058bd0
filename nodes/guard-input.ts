import { AIMessage, HumanMessage, RemoveMessage } from "@langchain/core/messages";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { ZERO_USAGE } from "../runtime/usage.js";
import type { AgentDeps } from "./deps.js";
import { messageText } from "./text.js";

export type InputVerdict = { ok: true } | { ok: false; reason: "missing" | "empty" | "too_long"; message: string };

/** Pure check of the newest human message; the injection guard joins here in its own issue. */
export function checkInput(state: Pick<AgentStateValue, "messages">, maxChars: number): InputVerdict {
  const last = state.messages.at(-1);
  if (!last || !HumanMessage.isInstance(last)) {
    return { ok: false, reason: "missing", message: "There is no new user message to answer." };
  }
  const text = messageText(last);
  if (text.trim().length === 0) return { ok: false, reason: "empty", message: "Your message is empty." };
  if (text.length > maxChars) {
    return {
      ok: false,
      reason: "too_long",
      message: `Your message has ${text.length} characters; the limit is ${maxChars}. Please shorten it.`,
    };
  }
  return { ok: true };
}

/**
 * Starts every run: resets per-run counters and refuses unusable input. A refused message is
 * removed from the model's history (so it can't poison later turns) and answered with a refusal.
 */
export function makeGuardInputNode(deps: AgentDeps) {
  return (state: AgentStateValue): AgentStateUpdate => {
    const fresh: AgentStateUpdate = { runUsage: ZERO_USAGE, approvals: {}, stopReason: null, error: null };
    const verdict = checkInput(state, deps.limits.maxInputChars);
    if (verdict.ok) return fresh;
    const last = state.messages.at(-1);
    const removal = verdict.reason !== "missing" && last?.id ? [new RemoveMessage({ id: last.id })] : [];
    return {
      ...fresh,
      messages: [...removal, new AIMessage({ content: verdict.message })],
      stopReason: "refused",
      error: { code: `input_${verdict.reason}`, message: verdict.message },
    };
  };
}
