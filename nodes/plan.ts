import { type AIMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { isKeelError } from "../runtime/errors.js";
import { costUsd } from "../runtime/pricing.js";
import { addUsage, type Usage } from "../runtime/usage.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { normalizeToolCalls } from "./tool-calls.js";

/** Pure budget check before each model call: the step limit for now. */
export function stepBudgetExhausted(runUsage: Usage, maxSteps: number): boolean {
  return runUsage.steps >= maxSteps;
}

/** The model call: only the caller's permitted tools are offered; usage and cost are recorded. */
export function makePlanNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const caller = callerContext(config);
    const maxSteps = caller.maxSteps ?? deps.limits.maxSteps;
    if (stepBudgetExhausted(state.runUsage, maxSteps)) return { stopReason: "budget_steps" };

    const system = state.summary
      ? `${deps.systemPrompt}\n\nSummary of the earlier conversation:\n${state.summary}`
      : deps.systemPrompt;
    let reply: AIMessage;
    try {
      reply = await deps.model.invoke([new SystemMessage(system), ...state.messages], {
        tools: deps.engine.registry.specsFor(caller.role),
        signal: config.signal,
        config,
      });
    } catch (err) {
      if (config.signal?.aborted) throw err;
      const error = isKeelError(err)
        ? { code: err.code, message: err.message }
        : { code: "model_error", message: err instanceof Error ? err.message : String(err) };
      return { stopReason: "model_error", error, runUsage: addUsage(state.runUsage, { steps: 1 }) };
    }
    const usage = usageOf(reply, deps.model.modelName);
    return {
      messages: [normalizeToolCalls(reply)],
      runUsage: addUsage(state.runUsage, usage),
      threadUsage: addUsage(state.threadUsage, usage),
    };
  };
}

function usageOf(reply: AIMessage, fallbackModel: string): Partial<Usage> {
  const inputTokens = reply.usage_metadata?.input_tokens ?? 0;
  const outputTokens = reply.usage_metadata?.output_tokens ?? 0;
  const modelName =
    typeof reply.response_metadata?.model_name === "string" ? reply.response_metadata.model_name : fallbackModel;
  return {
    steps: 1,
    modelCalls: 1,
    inputTokens,
    outputTokens,
    costUsd: costUsd(modelName, inputTokens, outputTokens),
  };
}
