import { AIMessage, ToolMessage } from "@langchain/core/messages";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import type { AgentDeps } from "./deps.js";

/**
 * The one exit for every ending. Answers and refusals already end in an AI message; budget and
 * model failures get a deterministic account of what was done so far.
 */
export function makeFinalizeNode(deps: AgentDeps) {
  return (state: AgentStateValue): AgentStateUpdate => {
    const stopReason = state.stopReason ?? "answer";
    if (stopReason === "answer" || stopReason === "refused") return { stopReason };
    return { stopReason, messages: [new AIMessage({ content: partialWorkSummary(state, deps.limits.maxSteps) })] };
  };
}

export function partialWorkSummary(state: AgentStateValue, maxSteps: number): string {
  const why =
    state.stopReason === "budget_steps"
      ? `I stopped after ${state.runUsage.steps} steps, the limit for one request (${maxSteps}).`
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
