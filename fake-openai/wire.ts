/**
 * Turns a FakeAnswer into the exact bodies OpenAI sends: one `chat.completion` JSON object, or a
 * sequence of `chat.completion.chunk` server-sent events.
 */
import { randomBytes } from "node:crypto";
import type { FakeAnswer, FakeChatRequest } from "./types.js";

export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString("hex")}`;
}

export function newToolCallId(): string {
  return `call_${randomBytes(9).toString("hex")}`;
}

interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Everything needed to render one reply, decided once so JSON and SSE renderings agree. */
export interface PreparedAnswer {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: WireToolCall[];
  finishReason: "stop" | "tool_calls";
  usage: WireUsage;
}

const tokensOf = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

function contentText(content: FakeChatRequest["messages"][number]["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? "").join("");
  return "";
}

/** A rough prompt size (~4 characters per token), the same order of magnitude a tokenizer gives. */
export function estimatePromptTokens(request: FakeChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    chars += contentText(message.content).length + message.role.length;
    for (const call of message.tool_calls ?? []) chars += call.function.name.length + call.function.arguments.length;
  }
  if (request.tools?.length) chars += JSON.stringify(request.tools).length;
  return tokensOf(chars);
}

export function prepareAnswer(request: FakeChatRequest, answer: FakeAnswer): PreparedAnswer {
  const toolCalls: WireToolCall[] = (answer.toolCalls ?? []).map((call) => ({
    id: call.id ?? newToolCallId(),
    type: "function",
    function: {
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const content = answer.content ?? (toolCalls.length > 0 ? null : "");
  const replyChars =
    (content ?? "").length + toolCalls.reduce((n, c) => n + c.function.name.length + c.function.arguments.length, 0);
  const prompt = answer.usage?.prompt_tokens ?? estimatePromptTokens(request);
  const completion = answer.usage?.completion_tokens ?? tokensOf(replyChars);
  return {
    id: newCompletionId(),
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    content,
    toolCalls,
    finishReason: toolCalls.length > 0 ? "tool_calls" : "stop",
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

export function completionBody(answer: PreparedAnswer): string {
  return JSON.stringify({
    id: answer.id,
    object: "chat.completion",
    created: answer.created,
    model: answer.model,
    system_fingerprint: "fp_keel_fake",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: answer.content,
          refusal: null,
          ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: answer.finishReason,
      },
    ],
    usage: answer.usage,
  });
}

/** Split text after each whitespace so every word becomes its own streamed token. */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\s)/).filter((piece) => piece.length > 0);
}

/** Split tool-call arguments into about three pieces, as OpenAI spreads them over several deltas. */
function splitArguments(args: string): string[] {
  if (args.length === 0) return [];
  const size = Math.max(1, Math.ceil(args.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < args.length; i += size) pieces.push(args.slice(i, i + size));
  return pieces;
}

const sse = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
export const SSE_DONE = "data: [DONE]\n\n";

/**
 * The SSE events for one streamed answer, in order, ending with `[DONE]`. With `includeUsage`
 * every chunk carries `usage: null` and a last chunk with empty `choices` carries the usage.
 */
export function streamEvents(answer: PreparedAnswer, includeUsage: boolean): string[] {
  const base = {
    id: answer.id,
    object: "chat.completion.chunk",
    created: answer.created,
    model: answer.model,
    system_fingerprint: "fp_keel_fake",
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    sse({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });

  const events: string[] = [chunk({ role: "assistant", content: "", refusal: null })];
  for (const word of splitWords(answer.content ?? "")) events.push(chunk({ content: word }));
  answer.toolCalls.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }],
      }),
    );
    for (const piece of splitArguments(call.function.arguments)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, answer.finishReason));
  if (includeUsage) {
    events.push(sse({ ...base, choices: [], usage: answer.usage }));
  }
  events.push(SSE_DONE);
  return events;
}

export function errorBody(message: string, type: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}
