import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import type { AgentStateUpdate, AgentStateValue, GuardFlag } from "../graphs/state.js";
import { escapeInvisible } from "../guards/normalize-invisible.js";
import { type Decision, type HITLRequest, parseHITLResponse, type ReviewConfig } from "./approval-schema.js";
import { callerContext, type AgentDeps, type CallerContext } from "./deps.js";
import { type PendingCall, pendingToolCalls, toolResultMessage } from "./tool-calls.js";

/** A human may resend an unusable answer this many times before the calls are refused. */
const MAX_REVIEW_ROUNDS = 5;

/**
 * Pauses for calls whose policy needs a human. State is checkpointed at the interrupt, so the
 * decision may arrive from another process, hours later. Edits replace the call the model sees;
 * rejections become tool results the model reads.
 */
export function makeApproveNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const caller = callerContext(config);
    const gated = pendingToolCalls(state.messages).filter(
      (call) => !call.malformed && deps.engine.registry.needsApproval(call.name, call.args, caller),
    );
    if (gated.length === 0) return {};

    const flagged = flaggedThisRun(state);
    const decisions = collectDecisions(gated.length, (from) => buildRequest(gated.slice(from), deps, flagged));
    return applyDecisions(state, gated, decisions, deps, caller);
  };
}

/**
 * Sources of this run's tool output that the guard flagged. Keel adds no human message during a
 * run, so this run's tool results are the ones after the newest human message.
 */
export function flaggedThisRun(state: Pick<AgentStateValue, "messages" | "guardFlags">): string[] {
  const lastHuman = state.messages.findLastIndex((m) => HumanMessage.isInstance(m));
  const callIds = new Set(
    state.messages.slice(lastHuman + 1).flatMap((m) => (ToolMessage.isInstance(m) ? [m.tool_call_id] : [])),
  );
  return state.guardFlags
    .filter((f) => f.surface === "untrusted" && [...callIds].some((id) => f.source.endsWith(`:${id}`)))
    .map((f) => f.source);
}

function buildRequest(calls: PendingCall[], deps: AgentDeps, flagged: string[]): HITLRequest {
  const names = [...new Set(calls.map((c) => c.name))];
  // The reviewer should know the call may have been asked for by planted content.
  const warning =
    flagged.length > 0
      ? `\nWarning: this call follows tool output flagged as a possible prompt injection: ${flagged.join(", ")}.`
      : "";
  const actionRequests: HITLRequest["actionRequests"] = calls.map((call) => {
    // The reviewer must see what would run: invisible and direction-changing characters are shown as
    // \u{...} escapes in the description and args (the call runs with the args exactly as sent).
    const shown = JSON.stringify(call.args);
    const escaped = escapeInvisible(shown);
    const hidden =
      escaped === shown
        ? ""
        : "\nNote: the arguments contain invisible or direction-changing characters, shown as \\u{...} escapes.";
    return {
      name: call.name,
      args: escapeDeep(call.args) as Record<string, unknown>,
      description: `${escapeInvisible(deps.engine.registry.get(call.name)?.description ?? call.name)}\nArguments: ${escaped}${hidden}${warning}`,
    };
  });
  const reviewConfigs: ReviewConfig[] = names.map((name) => {
    const tool = deps.engine.registry.get(name);
    return {
      actionName: name,
      allowedDecisions: ["approve", "edit", "reject"],
      ...(tool ? { argsSchema: z.toJSONSchema(tool.schema, { io: "input" }) } : {}),
    };
  });
  return {
    actionRequests,
    reviewConfigs,
    // agent-chat-ui recognises an approval request by these snake_case fields.
    action_requests: actionRequests,
    review_configs: reviewConfigs.map((c) => ({
      action_name: c.actionName,
      allowed_decisions: c.allowedDecisions,
      ...(c.argsSchema ? { args_schema: c.argsSchema } : {}),
    })),
    ...(flagged.length > 0 ? { flaggedToolOutput: flagged, flagged_tool_output: flagged } : {}),
  };
}

function escapeDeep(value: unknown): unknown {
  if (typeof value === "string") return escapeInvisible(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeInvisible(k), escapeDeep(v)]));
  }
  return value;
}

/**
 * One decision per call, in order. Each unusable answer is met with a fresh interrupt that says what
 * was wrong. An answer with fewer decisions than calls (agent-chat-ui answers only the first action
 * request it shows) decides the first calls; a fresh interrupt then asks for the rest, so calls are
 * reviewed one screen at a time and none is approved unseen.
 */
function collectDecisions(total: number, requestFrom: (from: number) => HITLRequest): Decision[] {
  const decided: Decision[] = [];
  let request = requestFrom(0);
  let answer = interrupt<HITLRequest, unknown>(request);
  for (let failures = 0; ;) {
    const parsed = parseHITLResponse(answer, request, { partial: true });
    if (parsed.ok) {
      decided.push(...parsed.decisions);
      if (decided.length >= total) return decided;
      request = requestFrom(decided.length);
      answer = interrupt<HITLRequest, unknown>(request);
      continue;
    }
    if (++failures >= MAX_REVIEW_ROUNDS) {
      return [
        ...decided,
        ...request.actionRequests.map((): Decision => ({
          type: "reject",
          message: `No valid review after ${failures} attempts.`,
        })),
      ];
    }
    answer = interrupt<HITLRequest, unknown>({ ...request, error: parsed.error });
  }
}

async function applyDecisions(
  { messages, approvals: approvedBefore }: AgentStateValue,
  calls: PendingCall[],
  decisions: Decision[],
  deps: AgentDeps,
  caller: CallerContext,
): Promise<AgentStateUpdate> {
  const approvals: Record<string, "approved" | "edited" | "rejected"> = {};
  const edits = new Map<string, Record<string, unknown>>();
  const results = [];
  const guardFlags: GuardFlag[] = [];
  for (const [i, call] of calls.entries()) {
    const decision = decisions[i]!;
    if (decision.type === "approve") approvals[call.id] = "approved";
    else if (decision.type === "edit") {
      approvals[call.id] = "edited";
      edits.set(call.id, decision.editedAction.args);
    } else {
      approvals[call.id] = "rejected";
      const reason = await reviewedReason(decision.message, call, deps, caller, guardFlags);
      results.push(
        toolResultMessage(call, {
          ok: false,
          error: { code: "rejected", message: `A human reviewer rejected this call: ${reason}`, retryable: false },
          suggestion: "Do not repeat this call. Tell the user what was not done, or ask how to proceed.",
        }),
      );
    }
  }
  const update: AgentStateUpdate = {
    approvals: { ...approvedBefore, ...approvals },
    ...(guardFlags.length > 0 ? { guardFlags } : {}),
  };
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

export const WITHHELD_REASON =
  "[reason withheld: it looked like instructions aimed at the assistant, not a review of this call]";

/**
 * The model reads a reviewer's reason, so it is guarded like user input: whoever can answer an
 * approval request (a shared UI, a forwarded link) could otherwise plant instructions in it.
 * A detected injection is replaced by a notice and recorded; otherwise invisible characters go.
 */
async function reviewedReason(
  message: string | undefined,
  call: PendingCall,
  deps: AgentDeps,
  caller: CallerContext,
  flags: GuardFlag[],
): Promise<string> {
  const reason = message?.trim();
  if (!reason) return "No reason given.";
  const { clean, verdict, action } = await deps.guards.checkInput(reason);
  if (action === "allow") return clean;
  flags.push({
    surface: "user",
    source: `reject_reason:${call.id}`,
    action: "quarantined",
    score: verdict.score,
    reasons: verdict.reasons,
  });
  deps.logger.warn(
    {
      event: "reject_reason_withheld",
      tool: call.name,
      call_id: call.id,
      thread_id: caller.threadId,
      user_id: caller.userId,
      score: verdict.score,
      reasons: verdict.reasons,
    },
    "a reviewer's reject reason looks like a prompt injection; the model gets a notice instead",
  );
  return WITHHELD_REASON;
}
