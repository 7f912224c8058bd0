import { AIMessage } from "@langchain/core/messages";
import { pendingToolCalls } from "../nodes/tool-calls.js";
import type { AgentStateValue } from "./state.js";

type Needs = (name: string, args: unknown) => boolean;

export interface RoutingLimits {
  summarizeAfterMessages: number;
}

/** The context is summarized when it holds more messages than the limit. */
export function needsSummary(state: Pick<AgentStateValue, "messages">, limits: RoutingLimits): boolean {
  return state.messages.length > limits.summarizeAfterMessages;
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

export function routeAfterTools(state: AgentStateValue, limits: RoutingLimits): "summarize" | "plan" {
  return needsSummary(state, limits) ? "summarize" : "plan";
}
