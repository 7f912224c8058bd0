import { type BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { costUsd } from "../runtime/pricing.js";
import { addUsage } from "../runtime/usage.js";
import type { AgentDeps } from "./deps.js";
import { messageText } from "./text.js";

/**
 * Index of the first message to keep. The kept tail never starts with a tool result, so a tool
 * call and its results are always folded or kept together.
 */
export function summarizeCutIndex(messages: readonly BaseMessage[], keepRecent: number): number {
  let cut = Math.max(0, messages.length - keepRecent);
  while (cut > 0 && ToolMessage.isInstance(messages[cut])) cut--;
  return cut;
}

export const SUMMARY_INSTRUCTIONS =
  "You maintain a running summary of a conversation between a user and an assistant. Merge the previous summary and the new messages into one concise summary. Keep every fact, name, number, decision and open request that later turns may need. Reply with the summary only.";

/** Folds older turns into `summary` and removes them from the context. */
export function makeSummarizeNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const cut = summarizeCutIndex(state.messages, deps.limits.keepRecentMessages);
    if (cut === 0) return {};
    const folded = state.messages.slice(0, cut);
    const transcript = folded.map((m) => `${m.getType()}: ${messageText(m)}`).join("\n");
    const removals = folded.flatMap((m) => (m.id ? [new RemoveMessage({ id: m.id })] : []));
    const prompt = [
      new SystemMessage(SUMMARY_INSTRUCTIONS),
      new HumanMessage(`Previous summary:\n${state.summary || "(none)"}\n\nNew messages:\n${transcript}`),
    ];
    try {
      const reply = await deps.model.invoke(prompt, {
        signal: config.signal,
        config: { ...config, tags: ["summarize"] },
      });
      const inputTokens = reply.usage_metadata?.input_tokens ?? 0;
      const outputTokens = reply.usage_metadata?.output_tokens ?? 0;
      const usage = {
        modelCalls: 1,
        inputTokens,
        outputTokens,
        costUsd: costUsd(deps.model.modelName, inputTokens, outputTokens),
      };
      return {
        summary: messageText(reply).trim() || state.summary,
        messages: removals,
        runUsage: addUsage(state.runUsage, usage),
        threadUsage: addUsage(state.threadUsage, usage),
      };
    } catch (err) {
      if (config.signal?.aborted) throw err;
      // Without a model, keep the facts verbatim (clipped) rather than grow the context unbounded.
      const fallback = `${state.summary}\n${transcript}`.trim().slice(-8_000);
      return { summary: fallback, messages: removals };
    }
  };
}
