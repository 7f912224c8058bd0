import { AIMessage, HumanMessage, RemoveMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { AgentStateUpdate, AgentStateValue } from "../graphs/state.js";
import { ZERO_USAGE } from "../runtime/usage.js";
import { callerContext, type AgentDeps } from "./deps.js";
import { messageText } from "./text.js";

export type InputVerdict = { ok: true } | { ok: false; reason: "missing" | "empty" | "too_long"; message: string };

/** Pure shape check of the newest human message: present, not empty, not oversized. */
export function checkInput(state: Pick<AgentStateValue, "messages">, maxChars: number): InputVerdict {
  const last = state.messages.at(-1);
  if (!last || !HumanMessage.isInstance(last)) {
    return { ok: false, reason: "missing", message: "There is no new user message to answer." };
  }
  const text = messageText(last);
  if (text.trim().length === 0) return { ok: false, reason: "empty", message: "Your message is empty." };
  if (text.length > maxChars) {
    return {
      ok: false,
      reason: "too_long",
      message: `Your message has ${text.length} characters; the limit is ${maxChars}. Please shorten it.`,
    };
  }
  return { ok: true };
}

export const INJECTION_REFUSAL =
  "I can't act on that message: it looks like an attempt to override my instructions. Please rephrase your request.";

/**
 * Starts every run: resets per-run counters, refuses unusable input, strips invisible and
 * smuggling characters, and blocks prompt injections. A refused message is removed from the
 * model's history (so it can't poison later turns) and answered with a refusal.
 */
export function makeGuardInputNode(deps: AgentDeps) {
  return async (state: AgentStateValue, config: LangGraphRunnableConfig): Promise<AgentStateUpdate> => {
    const fresh: AgentStateUpdate = { runUsage: ZERO_USAGE, approvals: {}, stopReason: null, error: null };
    const shape = checkInput(state, deps.limits.maxInputChars);
    const last = state.messages.at(-1);
    if (!shape.ok) {
      const removal = shape.reason !== "missing" && last?.id ? [new RemoveMessage({ id: last.id })] : [];
      return refuse(fresh, removal, `input_${shape.reason}`, shape.message);
    }
    const text = messageText(last!);
    const { clean, verdict, action } = await deps.guards.checkInput(text);
    const caller = callerContext(config);
    if (action === "block") {
      deps.logger.warn(
        {
          event: "input_blocked",
          thread_id: caller.threadId,
          user_id: caller.userId,
          score: verdict.score,
          reasons: verdict.reasons,
        },
        "prompt injection blocked",
      );
      return {
        ...refuse(fresh, last!.id ? [new RemoveMessage({ id: last!.id })] : [], "input_injection", INJECTION_REFUSAL),
        guardFlags: [
          { surface: "user", source: "input", action: "blocked", score: verdict.score, reasons: verdict.reasons },
        ],
      };
    }
    const update: AgentStateUpdate = { ...fresh };
    if (action === "flag") {
      deps.logger.warn(
        {
          event: "input_flagged",
          thread_id: caller.threadId,
          user_id: caller.userId,
          score: verdict.score,
          reasons: verdict.reasons,
        },
        "input looks borderline; answered and recorded",
      );
      update.guardFlags = [
        { surface: "user", source: "input", action: "flagged", score: verdict.score, reasons: verdict.reasons },
      ];
    }
    // Same id: the reducer replaces the message in place with its cleaned text.
    if (clean !== text) update.messages = [new HumanMessage({ id: last!.id, content: clean })];
    return update;
  };
}

function refuse(fresh: AgentStateUpdate, removal: RemoveMessage[], code: string, message: string): AgentStateUpdate {
  return {
    ...fresh,
    messages: [...removal, new AIMessage({ content: message })],
    stopReason: "refused",
    error: { code, message },
  };
}
