import { AIMessage, ToolMessage } from "@langchain/core/messages";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import type { AgentDeps } from "./deps.js";
import { messageText } from "./text.js";

/**
 * The one exit for every ending. Answers and refusals already end in an AI message; budget and
 * model failures get a deterministic account of what was done so far. Whatever the ending, the
 * final message passes through PII and secret redaction before it is stored and returned.
 */
export function makeFinalizeNode(deps: AgentDeps) {
  return (state: AgentStateValue): AgentStateUpdate => {
    const stopReason = state.stopReason ?? "answer";
    if (stopReason === "answer" || stopReason === "refused") {
      const last = state.messages.at(-1);
      if (!last || !AIMessage.isInstance(last)) return { stopReason };
      const text = messageText(last);
      const redacted = deps.guards.redactText(text);
      if (redacted === text) return { stopReason };
      // Same id: the stored answer is replaced by its redacted form.
      return {
        stopReason,
        messages: [
          new AIMessage({
            id: last.id,
            content: redacted,
            response_metadata: last.response_metadata,
            usage_metadata: last.usage_metadata,
          }),
        ],
      };
    }
    return { stopReason, messages: [new AIMessage({ content: deps.guards.redactText(partialWorkSummary(state)) })] };
  };
}

export function partialWorkSummary(state: AgentStateValue): string {
  const why =
    state.stopReason === "budget_steps"
      ? `I stopped after ${state.runUsage.steps} steps, the limit for one request.`
      : `I could not reach the model: ${state.error?.message ?? "unknown error"}`;
  const toolNames = state.messages
    .filter((m) => ToolMessage.isInstance(m))
    .slice(-state.runUsage.toolCalls)
    .map((m) => m.name ?? "tool");
  const done =
    state.runUsage.toolCalls > 0
      ? ` So far I made ${state.runUsage.toolCalls} tool call(s) (${[...new Set(toolNames)].join(", ")}).`
      : " No tool was called.";
  return `${why}${done} The request is not finished; you can ask me to continue.`;
}
