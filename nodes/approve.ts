import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { type Decision, type HITLRequest, parseHITLResponse } from "./approval-schema.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { type PendingCall, pendingToolCalls, toolResultMessage } from "./tool-calls.js";

/** A human may resend an unusable answer this many times before the calls are refused. */
const MAX_REVIEW_ROUNDS = 5;

/**
 * Pauses for calls whose policy needs a human. State is checkpointed at the interrupt, so the
 * decision may arrive from another process, hours later. Edits replace the call the model sees;
 * rejections become tool results the model reads.
 */
export function makeApproveNode(deps: AgentDeps) {
  return (state: AgentStateValue, config: LangGraphRunnableConfig): AgentStateUpdate => {
    const caller = callerContext(config);
    const gated = pendingToolCalls(state.messages).filter(
      (call) => !call.malformed && deps.engine.registry.needsApproval(call.name, call.args, caller),
    );
    if (gated.length === 0) return {};

    const request = buildRequest(gated, deps);
    const decisions = collectDecisions(request);
    return applyDecisions(state, gated, decisions);
  };
}

function buildRequest(calls: PendingCall[], deps: AgentDeps): HITLRequest {
  const names = [...new Set(calls.map((c) => c.name))];
  return {
    actionRequests: calls.map((call) => ({
      name: call.name,
      args: call.args,
      description: `${deps.engine.registry.get(call.name)?.description ?? call.name}\nArguments: ${JSON.stringify(call.args)}`,
    })),
    reviewConfigs: names.map((name) => {
      const tool = deps.engine.registry.get(name);
      return {
        actionName: name,
        allowedDecisions: ["approve", "edit", "reject"],
        ...(tool ? { argsSchema: z.toJSONSchema(tool.schema, { io: "input" }) } : {}),
      };
    }),
  };
}

/** Each unusable answer is met with a fresh interrupt that says what was wrong. */
function collectDecisions(request: HITLRequest): Decision[] {
  let answer = interrupt<HITLRequest, unknown>(request);
  for (let round = 1; ; round++) {
    const parsed = parseHITLResponse(answer, request);
    if (parsed.ok) return parsed.decisions;
    if (round >= MAX_REVIEW_ROUNDS) {
      return request.actionRequests.map(() => ({
        type: "reject",
        message: `No valid review after ${round} attempts.`,
      }));
    }
    answer = interrupt<HITLRequest, unknown>({ ...request, error: parsed.error });
  }
}

function applyDecisions(
  { messages, approvals: approvedBefore }: AgentStateValue,
  calls: PendingCall[],
  decisions: Decision[],
): AgentStateUpdate {
  const approvals: Record<string, "approved" | "edited" | "rejected"> = {};
  const edits = new Map<string, Record<string, unknown>>();
  const results = [];
  for (const [i, call] of calls.entries()) {
    const decision = decisions[i]!;
    if (decision.type === "approve") approvals[call.id] = "approved";
    else if (decision.type === "edit") {
      approvals[call.id] = "edited";
      edits.set(call.id, decision.editedAction.args);
    } else {
      approvals[call.id] = "rejected";
      const reason = decision.message?.trim() || "No reason given.";
      results.push(
        toolResultMessage(call, {
          ok: false,
          error: { code: "rejected", message: `A human reviewer rejected this call: ${reason}`, retryable: false },
          suggestion: "Do not repeat this call. Tell the user what was not done, or ask how to proceed.",
        }),
      );
    }
  }
  const update: AgentStateUpdate = { approvals: { ...approvedBefore, ...approvals } };
  const out: BaseMessage[] = [];
  if (edits.size > 0) {
    const ai = [...messages].reverse().find((m): m is AIMessage => AIMessage.isInstance(m))!;
    // Same id: the messages reducer replaces the call in place, so the model sees what actually ran.
    out.push(
      new AIMessage({
        id: ai.id,
        content: ai.content,
        additional_kwargs: ai.additional_kwargs,
        response_metadata: ai.response_metadata,
        usage_metadata: ai.usage_metadata,
        invalid_tool_calls: ai.invalid_tool_calls,
        tool_calls: (ai.tool_calls ?? []).map((c) => (c.id && edits.has(c.id) ? { ...c, args: edits.get(c.id)! } : c)),
      }),
    );
  }
  out.push(...results);
  if (out.length > 0) update.messages = out;
  return update;
}
