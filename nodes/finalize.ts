import { randomUUID } from "node:crypto";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { budgetBreach, type Budgets } from "../runtime/budget.js";
import { addUsage, usageOfReply } from "../runtime/usage.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { budgetsFor } from "./plan.js";
import { spotlightToolMessages } from "../tools/untrusted.js";
import { messageText } from "./text.js";

/** Stops after which one more model call, for the summary, is still within budget. */
const SUMMARY_ALLOWED_AFTER = new Set(["budget_steps", "budget_tool_calls"]);

/**
 * The one exit for every ending. Answers and refusals already end in an AI message; budget and
 * model failures get an account of what was done and what is missing. Whatever the ending, the
 * final message passes through PII and secret redaction before it is stored and returned.
 */
export function makeFinalizeNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const stopReason = state.stopReason ?? "answer";
    if (stopReason === "answer" || stopReason === "refused") {
      const last = state.messages.at(-1);
      // The watermark marks the end of what this run wrote: the next request's messages follow it.
      const inputWatermark = last?.id ?? null;
      if (!last || !AIMessage.isInstance(last)) return { stopReason, inputWatermark };
      const text = messageText(last);
      const redacted = deps.guards.redactText(text);
      if (redacted === text) return { stopReason, inputWatermark };
      // Same id: the stored answer is replaced by its redacted form.
      return {
        stopReason,
        inputWatermark,
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
    const summary = await summarizePartialWork(deps, state, config);
    const id = randomUUID();
    return {
      stopReason,
      inputWatermark: id,
      messages: [new AIMessage({ id, content: deps.guards.redactText(summary.text) })],
      ...(summary.usage ? { runUsage: summary.usage.run, threadUsage: summary.usage.thread } : {}),
    };
  };
}

async function summarizePartialWork(
  deps: AgentDeps,
  state: AgentStateValue,
  config: LangGraphRunnableConfig,
): Promise<{ text: string; usage?: { run: AgentStateValue["runUsage"]; thread: AgentStateValue["threadUsage"] } }> {
  const fallback = partialWorkSummary(state);
  if (!state.stopReason || !SUMMARY_ALLOWED_AFTER.has(state.stopReason)) return { text: fallback };
  // Counting limits are what stopped the run; spend-like limits must still allow one more call.
  const budgets = budgetsFor(deps, callerContext(config));
  const spendOnly = (b: Budgets["run"]) => ({ tokens: b.tokens, usd: b.usd, wallSeconds: b.wallSeconds });
  const room = budgetBreach(
    { run: state.runUsage, thread: state.threadUsage },
    { run: spendOnly(budgets.run), thread: spendOnly(budgets.thread) },
    { modelCall: true },
  );
  if (room) return { text: fallback };
  const started = performance.now();
  try {
    const reply = await deps.model.invoke(
      [
        new SystemMessage(
          `${deps.systemPrompt}\n\nThe current request was stopped: ${state.error?.message ?? "a budget ran out"} Do not call tools. In a few sentences, tell the user what was done so far (with any results) and what is still missing.`,
        ),
        ...spotlightToolMessages(state.messages),
        new HumanMessage("Summarise the partial work now."),
      ],
      { signal: config.signal, config: { ...config, tags: ["finalize"] } },
    );
    const text = messageText(reply).trim();
    if (!text) return { text: fallback };
    const { model: _model, ...usage } = usageOfReply(
      reply,
      deps.model.modelName,
      deps.prices,
      performance.now() - started,
    );
    return { text, usage: { run: addUsage(state.runUsage, usage), thread: addUsage(state.threadUsage, usage) } };
  } catch (err) {
    if (config.signal?.aborted) throw err;
    return { text: fallback };
  }
}

/** A deterministic account of a stopped run, for when no model call is possible or allowed. */
export function partialWorkSummary(state: AgentStateValue): string {
  const why =
    state.stopReason === "model_error"
      ? `I could not reach the model: ${state.error?.message ?? "unknown error"}`
      : `I stopped: ${state.error?.message ?? "a budget ran out."}`;
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
