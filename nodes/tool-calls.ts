import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { ToolResult } from "../tools/types.js";

export interface PendingCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** The AI message that made the call (part of its idempotency key). */
  messageId?: string;
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
        ...(ai.id ? { messageId: ai.id } : {}),
        ...(bad ? { malformed: { raw: bad.args ?? "", error: bad.error ?? "not valid JSON" } } : {}),
      };
    });
}

interface RawToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

/**
 * Strict view of the model's tool-call arguments. Two library behaviours hide broken JSON:
 * non-streamed calls that fail to parse land in `invalid_tool_calls`, which the OpenAI converter
 * drops when history is sent back (a result answering one would be orphaned); and streamed calls
 * go through a lenient partial-JSON parser, so `{"body": "hel` silently becomes `{body: "hel"}` and
 * would run truncated. Every call whose raw text is not one complete JSON object becomes a call
 * with empty args, answered by the tools node with `invalid_args` quoting the raw text.
 */
export function normalizeToolCalls(message: AIMessage): AIMessage {
  const raw = (message.additional_kwargs?.tool_calls ?? []) as RawToolCall[];
  const invalid = new Map((message.invalid_tool_calls ?? []).filter((c) => c.id).map((c) => [c.id!, c]));
  for (const call of raw) {
    const text = call.function?.arguments ?? "";
    if (call.id && !invalid.has(call.id) && !isJsonObject(text)) {
      invalid.set(call.id, {
        id: call.id,
        name: call.function?.name,
        args: text,
        error: "not a complete JSON object",
        type: "invalid_tool_call",
      });
    }
  }
  if (invalid.size === 0) return message;
  const valid = (message.tool_calls ?? []).filter((c) => !c.id || !invalid.has(c.id));
  const placeholders = [...invalid.values()].map((c) => ({
    id: c.id!,
    name: c.name ?? "unknown",
    args: {},
    type: "tool_call" as const,
  }));
  return new AIMessage({
    id: message.id,
    content: message.content,
    name: message.name,
    additional_kwargs: { ...message.additional_kwargs, tool_calls: undefined },
    response_metadata: message.response_metadata,
    usage_metadata: message.usage_metadata,
    tool_calls: [...valid, ...placeholders],
    invalid_tool_calls: [...invalid.values()],
  });
}

function isJsonObject(text: string): boolean {
  if (text.trim() === "") return true; // no arguments at all
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * A tool result as stored, streamed and shown: the structured result as JSON (and as the artifact).
 * The model reads it wrapped as untrusted data (`spotlightToolMessages`, applied per model request).
 */
export function toolResultMessage(call: Pick<PendingCall, "id" | "name">, result: ToolResult): ToolMessage {
  return new ToolMessage({
    tool_call_id: call.id,
    name: call.name,
    content: JSON.stringify(result),
    status: result.ok ? "success" : "error",
    artifact: result,
  });
}
