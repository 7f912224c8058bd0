import { AIMessage } from "@langchain/core/messages";
import { pendingToolCalls } from "../nodes/tool-calls.js";
import { estimateTextTokens, estimateTokens } from "../runtime/tokens.js";
import { spotlightToolMessages } from "../tools/untrusted.js";
import type { AgentStateValue } from "./state.js";

type Needs = (name: string, args: unknown) => boolean;

export interface RoutingLimits {
  summarizeAtTokens: number;
  /** 0: no trigger by count. */
  summarizeAtMessages: number;
}

/**
 * The context (running summary plus messages) is summarized once its estimate passes the trigger,
 * or once the thread holds more messages than its count trigger. Messages are measured as the model
 * reads them, tool results wrapped as untrusted data.
 */
export function needsSummary(state: Pick<AgentStateValue, "messages" | "summary">, limits: RoutingLimits): boolean {
  if (limits.summarizeAtMessages > 0 && state.messages.length > limits.summarizeAtMessages) return true;
  return (
    estimateTextTokens(state.summary) + estimateTokens(spotlightToolMessages(state.messages)) > limits.summarizeAtTokens
  );
}

export function routeAfterGuard(state: AgentStateValue, limits: RoutingLimits): "finalize" | "summarize" | "plan" {
  if (state.stopReason !== null) return "finalize";
  return needsSummary(state, limits) ? "summarize" : "plan";
}

/** Tool calls go to a human first when any of them needs approval; no calls means an answer. */
export function routeAfterPlan(state: AgentStateValue, needsApproval: Needs): "finalize" | "approve" | "tools" {
  if (state.stopReason !== null) return "finalize";
  const last = state.messages.at(-1);
  if (!last || !AIMessage.isInstance(last)) return "finalize";
  const pending = pendingToolCalls(state.messages);
  if (pending.length === 0) return "finalize";
  return pending.some((c) => !c.malformed && needsApproval(c.name, c.args)) ? "approve" : "tools";
}

/** After review: run what is left, or let the model read the rejections. */
export function routeAfterApprove(state: AgentStateValue): "tools" | "plan" {
  return pendingToolCalls(state.messages).length > 0 ? "tools" : "plan";
}

/** Back to the model, via summarize when the context is long; a budget stop ends the run. */
export function routeAfterTools(state: AgentStateValue, limits: RoutingLimits): "finalize" | "summarize" | "plan" {
  if (state.stopReason !== null) return "finalize";
  return needsSummary(state, limits) ? "summarize" : "plan";
}
