import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { ToolResult } from "../tools/types.js";

export interface PendingCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** Set when the model's arguments were not valid JSON: the raw text and the parse error. */
  malformed?: { raw: string; error: string };
}

/** Calls of the newest AI message that have no tool result yet. */
export function pendingToolCalls(messages: readonly BaseMessage[]): PendingCall[] {
  let aiIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (AIMessage.isInstance(messages[i])) {
      aiIndex = i;
      break;
    }
  }
  if (aiIndex < 0) return [];
  const ai = messages[aiIndex] as AIMessage;
  const answered = new Set(
    messages.slice(aiIndex + 1).flatMap((m) => (ToolMessage.isInstance(m) ? [m.tool_call_id] : [])),
  );
  const malformed = new Map((ai.invalid_tool_calls ?? []).map((c) => [c.id, c]));
  return (ai.tool_calls ?? [])
    .filter((c): c is typeof c & { id: string } => typeof c.id === "string" && !answered.has(c.id))
    .map((c) => {
      const bad = malformed.get(c.id);
      return {
        id: c.id,
        name: c.name,
        args: c.args,
        ...(bad ? { malformed: { raw: bad.args ?? "", error: bad.error ?? "not valid JSON" } } : {}),
      };
    });
}

/**
 * Calls whose arguments were not valid JSON arrive in `invalid_tool_calls`, which the OpenAI
 * converter drops when it sends history back; a tool result answering one would then be orphaned.
 * Keep them as ordinary calls with empty args so each gets a result, and the raw text in
 * `invalid_tool_calls` so the tools node can say what was wrong.
 */
export function normalizeToolCalls(message: AIMessage): AIMessage {
  const invalid = (message.invalid_tool_calls ?? []).filter((c) => c.id);
  if (invalid.length === 0) return message;
  return new AIMessage({
    id: message.id,
    content: message.content,
    name: message.name,
    additional_kwargs: { ...message.additional_kwargs, tool_calls: undefined },
    response_metadata: message.response_metadata,
    usage_metadata: message.usage_metadata,
    tool_calls: [
      ...(message.tool_calls ?? []),
      ...invalid.map((c) => ({ id: c.id!, name: c.name ?? "unknown", args: {}, type: "tool_call" as const })),
    ],
    invalid_tool_calls: invalid,
  });
}

export function toolResultMessage(call: Pick<PendingCall, "id" | "name">, result: ToolResult): ToolMessage {
  return new ToolMessage({
    tool_call_id: call.id,
    name: call.name,
    content: JSON.stringify(result),
    status: result.ok ? "success" : "error",
    artifact: result,
  });
}
