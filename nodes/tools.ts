import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import type { ToolResult } from "../tools/types.js";
import { addUsage } from "../runtime/usage.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { pendingToolCalls, toolResultMessage } from "./tool-calls.js";

/** Runs every unanswered call of the newest AI message through the tool engine, in parallel. */
export function makeToolsNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const caller = callerContext(config);
    const pending = pendingToolCalls(state.messages);
    if (pending.length === 0) return {};
    const approvedIds = new Set(
      Object.entries(state.approvals).flatMap(([id, decision]) => (decision === "rejected" ? [] : [id])),
    );
    const runnable = pending.filter((call) => !call.malformed);
    const results = await deps.engine.runAll(
      runnable,
      { ...caller, signal: config.signal ?? new AbortController().signal, db: deps.db },
      { approvedIds, concurrency: deps.limits.toolConcurrency },
    );
    const byId = new Map(runnable.map((call, i) => [call.id, results[i]!]));
    if (deps.scanToolOutput) {
      for (const call of runnable) {
        const result = byId.get(call.id)!;
        if (!result.ok) continue;
        const verdict = deps.scanToolOutput(JSON.stringify(result.data), { tool: call.name, callId: call.id });
        if (verdict.flagged) {
          // Still delivered, spotlighted as data; the guard's policy decides whether to quarantine.
          deps.logger.warn(
            {
              event: "tool_output_flagged",
              tool: call.name,
              callId: call.id,
              threadId: caller.threadId,
              userId: caller.userId,
              reasons: verdict.reasons,
            },
            "tool output looks like an injection",
          );
        }
      }
    }
    const messages = pending.map((call) =>
      toolResultMessage(call, byId.get(call.id) ?? malformedResult(call.name, call.malformed!)),
    );
    const counted = { toolCalls: pending.length };
    return {
      messages,
      runUsage: addUsage(state.runUsage, counted),
      threadUsage: addUsage(state.threadUsage, counted),
    };
  };
}

function malformedResult(name: string, malformed: { raw: string; error: string }): ToolResult {
  return {
    ok: false,
    error: {
      code: "invalid_args",
      message: `Arguments for "${name}" were not valid JSON (${malformed.error}): ${malformed.raw.slice(0, 200)}`,
      retryable: true,
    },
    suggestion: "Call the tool again with a single valid JSON object as arguments.",
  };
}
