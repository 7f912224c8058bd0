import { type AIMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { budgetBreach, narrowBudget, recursionBreach, type Budgets } from "../runtime/budget.js";
import { isKeelError } from "../runtime/errors.js";
import { addUsage, usageOfReply } from "../runtime/usage.js";
import { callerContext, type AgentDeps, type CallerContext } from "./deps.js";
import { spotlightToolMessages } from "../tools/untrusted.js";
import { normalizeToolCalls } from "./tool-calls.js";

/** The budgets that apply to this caller: configured ones, narrowed by the request's own. */
export function budgetsFor(deps: AgentDeps, caller: CallerContext): Budgets {
  return { run: narrowBudget(deps.budgets.run, caller.budget), thread: deps.budgets.thread };
}

/**
 * The model call: only the caller's permitted tools are offered; budgets are checked first, and
 * tokens, cost and time are recorded per run and per thread.
 */
export function makePlanNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const caller = callerContext(config);
    const { wallSeconds } = budgetsFor(deps, caller).run;
    const breach =
      budgetBreach({ run: state.runUsage, thread: state.threadUsage }, budgetsFor(deps, caller), {
        modelCall: true,
      }) ?? recursionBreach(config.recursionLimit, state.runUsage.steps);
    if (breach) {
      deps.logger.info(
        { event: "budget_exhausted", thread_id: caller.threadId, user_id: caller.userId, ...breach },
        breach.message,
      );
      return { stopReason: breach.reason, error: { code: breach.reason, message: breach.message } };
    }

    const userCheck = await deps.userLimits?.check(caller.userId);
    if (userCheck && !userCheck.ok) {
      deps.logger.warn(
        {
          event: "user_limit",
          thread_id: caller.threadId,
          user_id: caller.userId,
          reason: userCheck.reason,
          retry_at: userCheck.retryAt,
        },
        userCheck.message,
      );
      return { stopReason: "user_limit", error: { code: userCheck.reason, message: userCheck.message } };
    }

    // An assistant's prompt, model and tool set come in the run's context; unset, the deployment's.
    const prompt = caller.systemPrompt ?? deps.systemPrompt;
    const modelName = caller.model ?? deps.model.modelName;
    const system = state.summary ? `${prompt}\n\nSummary of the earlier conversation:\n${state.summary}` : prompt;
    const started = performance.now();
    let reply: AIMessage;
    try {
      reply = await deps.model.invoke([new SystemMessage(system), ...spotlightToolMessages(state.messages)], {
        tools: deps.engine.registry.specsFor(caller.role, caller.tools),
        signal: config.signal,
        config,
        ...(caller.model === undefined ? {} : { model: caller.model }),
        // Retries never wait past what is left of the run's time budget.
        ...(wallSeconds === undefined
          ? {}
          : { timeBudgetMs: Math.max(0, wallSeconds * 1000 - state.runUsage.elapsedMs) }),
      });
    } catch (err) {
      if (config.signal?.aborted) throw err;
      const error = isKeelError(err)
        ? { code: err.code, message: err.message }
        : { code: "model_error", message: err instanceof Error ? err.message : String(err) };
      deps.logger.error(
        { event: "model_failed", thread_id: caller.threadId, user_id: caller.userId, ...error },
        "model call failed",
      );
      const spent = { steps: 1, elapsedMs: performance.now() - started };
      return {
        stopReason: "model_error",
        error,
        runUsage: addUsage(state.runUsage, spent),
        threadUsage: addUsage(state.threadUsage, spent),
      };
    }
    const { model, ...usage } = usageOfReply(reply, modelName, deps.prices, performance.now() - started);
    const step = { ...usage, steps: 1 };
    await deps.userLimits?.record(caller.userId, {
      tokens: (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
      usd: usage.costUsd ?? 0,
    });
    deps.logger.info(
      {
        event: "model_call",
        node: "plan",
        thread_id: caller.threadId,
        user_id: caller.userId,
        model,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cost_usd: usage.costUsd,
        duration_ms: Math.round(usage.elapsedMs ?? 0),
        tool_calls: reply.tool_calls?.length ?? 0,
      },
      "model call",
    );
    return {
      messages: [normalizeToolCalls(reply)],
      runUsage: addUsage(state.runUsage, step),
      threadUsage: addUsage(state.threadUsage, step),
    };
  };
}
