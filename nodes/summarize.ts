import { type BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { CHARS_PER_TOKEN, estimateMessageTokens } from "../runtime/tokens.js";
import { addUsage, usageOfReply } from "../runtime/usage.js";
import { spotlightToolMessages } from "../tools/untrusted.js";
import type { AgentDeps } from "./deps.js";
import { messageText } from "./text.js";

/**
 * Index of the first message to keep: the newest messages that fit in `keepTokens` and number at
 * most `keepMessages` (at least the last one). The kept tail never starts with a tool result, so a
 * tool call and its results are always folded or kept together.
 */
export function summarizeCutIndex(
  stored: readonly BaseMessage[],
  keepTokens: number,
  keepMessages = Number.POSITIVE_INFINITY,
): number {
  // Measured as the model reads them (tool results wrapped); one to one with the stored messages.
  const messages = spotlightToolMessages(stored);
  let cut = messages.length - 1;
  let kept = messages.length > 0 ? estimateMessageTokens(messages[cut]!) : 0;
  while (
    cut > 0 &&
    messages.length - cut < keepMessages &&
    kept + estimateMessageTokens(messages[cut - 1]!) <= keepTokens
  ) {
    cut--;
    kept += estimateMessageTokens(messages[cut]!);
  }
  while (cut > 0 && ToolMessage.isInstance(messages[cut])) cut--;
  return Math.max(0, cut);
}

export const SUMMARY_INSTRUCTIONS =
  "You maintain a running summary of a conversation between a user and an assistant. Merge the previous summary and the new messages into one concise summary. Keep every fact, name, number, decision and open request that later turns may need. Reply with the summary only.";

/** Folds older turns into `summary` and removes them from the context. */
export function makeSummarizeNode(deps: AgentDeps) {
  // The summary itself must stay small next to the window, or it would crowd out the turns.
  const maxSummaryChars = Math.floor(deps.limits.keepRecentTokens * CHARS_PER_TOKEN * 0.5);
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const cut = summarizeCutIndex(state.messages, deps.limits.keepRecentTokens, deps.limits.keepRecentMessages);
    if (cut === 0) return {};
    const folded = state.messages.slice(0, cut);
    const transcript = spotlightToolMessages(folded)
      .map((m) => `${m.getType()}: ${messageText(m)}`)
      .join("\n");
    const removals = folded.flatMap((m) => (m.id ? [new RemoveMessage({ id: m.id })] : []));
    const prompt = [
      new SystemMessage(SUMMARY_INSTRUCTIONS),
      new HumanMessage(`Previous summary:\n${state.summary || "(none)"}\n\nNew messages:\n${transcript}`),
    ];
    const started = performance.now();
    try {
      const reply = await deps.model.invoke(prompt, {
        signal: config.signal,
        config: { ...config, tags: ["summarize"] },
      });
      const { model: _model, ...usage } = usageOfReply(
        reply,
        deps.model.modelName,
        deps.prices,
        performance.now() - started,
      );
      return {
        summary: clip(messageText(reply).trim() || state.summary, maxSummaryChars),
        messages: removals,
        runUsage: addUsage(state.runUsage, usage),
        threadUsage: addUsage(state.threadUsage, usage),
      };
    } catch (err) {
      if (config.signal?.aborted) throw err;
      // Without a model, keep the facts verbatim (clipped) rather than let the context grow.
      return { summary: clip(`${state.summary}\n${transcript}`.trim(), maxSummaryChars), messages: removals };
    }
  };
}

/** Keeps the start (the oldest facts) and the end (the newest) of an over-long summary. */
function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor((maxChars - 5) / 2);
  return `${text.slice(0, half)}\n…\n${text.slice(-half)}`;
}
