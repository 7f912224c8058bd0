/**
 * The offline demo "model" behind `npm start` when no API key is set. It is a handful of
 * deterministic rules, not a language model: arithmetic → `calculator`, "send a note …" →
 * `outbox_send`, tool results → a one-line answer, anything else → how to try the demo.
 */
import { firstJsonObject } from "../runtime/json-extract.js";
import type { FakeChatMessage, FakeChatRequest, Responder } from "./types.js";

export const DEMO_HELP =
  'This is Keel\'s offline demo model (no OPENAI_API_KEY is set), so it only knows a few scripted moves. Try "what is 12*7?" or "send a note to alice@example.com saying the build is green".';

const DEFAULT_RECIPIENT = "team@example.com";

export const demoResponder: Responder = (request) => {
  const last = request.messages.at(-1);
  if (last?.role === "tool") return { content: answerFromToolResults(request.messages) };

  const userText = textOf([...request.messages].reverse().find((m) => m.role === "user")?.content);
  const expression = findExpression(userText);
  if (expression !== undefined) {
    return offers(request, "calculator")
      ? { toolCalls: [{ name: "calculator", arguments: { expression } }] }
      : { content: `I would work out ${expression} with the calculator tool, but it is not available to you here.` };
  }
  if (SEND_INTENT.test(userText)) {
    return offers(request, "outbox_send")
      ? { toolCalls: [{ name: "outbox_send", arguments: draftNote(userText) }] }
      : { content: "I would queue that note with the outbox_send tool, but it is not available to you here." };
  }
  return { content: DEMO_HELP };
};

function offers(request: FakeChatRequest, toolName: string): boolean {
  return request.tools?.some((tool) => tool.function?.name === toolName) ?? false;
}

function textOf(content: FakeChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? "").join("");
  return "";
}

/** Digits joined by + - * / ^ % and parentheses; the longest such run that has an operator. */
export function findExpression(text: string): string | undefined {
  let best: string | undefined;
  for (const match of text.matchAll(/[-(]*\d[\d\s.+\-*/^%()]*/g)) {
    const candidate = match[0].trim().replace(/[\s+\-*/^%(.]+$/, "");
    if (!/[\d)]\s*[+\-*/^%]\s*[-(]*\d/.test(candidate)) continue;
    if (best === undefined || candidate.length > best.length) best = candidate;
  }
  return best;
}

const SEND_INTENT = /\b(send|email|e-mail|mail|note|notify)\b/i;

function draftNote(text: string): { to: string; subject: string; body: string } {
  const to = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/.exec(text)?.[0] ?? DEFAULT_RECIPIENT;
  const said = /(?:\bsaying\b|\bthat\b|:)\s*(.+)$/is.exec(text)?.[1];
  const body = (said ?? text).trim().replace(/^["']|["']$/g, "");
  const words = body.split(/\s+/).slice(0, 6).join(" ");
  const subject = words.charAt(0).toUpperCase() + words.slice(1);
  return { to, subject, body };
}

/** One sentence per trailing tool result, in the order the results arrived. */
function answerFromToolResults(messages: FakeChatMessage[]): string {
  const results: FakeChatMessage[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]?.role === "tool"; i--)
    results.unshift(messages[i] as FakeChatMessage);
  return results.map((result) => describeResult(toolNameOf(result, messages), textOf(result.content))).join(" ");
}

function toolNameOf(result: FakeChatMessage, messages: FakeChatMessage[]): string {
  for (const message of messages) {
    const call = message.tool_calls?.find((c) => c.id === result.tool_call_id);
    if (call) return call.function.name;
  }
  return result.name ?? "tool";
}

interface ToolError {
  code?: unknown;
  message?: unknown;
}

function describeResult(tool: string, content: string): string {
  const parsed = firstJsonObject(content);
  if (parsed === undefined) return `I could not read the result of ${tool}.`;
  if (parsed.ok === true) {
    const data = (parsed.data ?? {}) as Record<string, unknown>;
    if (tool === "calculator") return `${String(data.expression)} = ${String(data.result)}.`;
    if (tool === "outbox_send")
      return `Done: your note to ${String(data.to)} is queued in the outbox (id ${String(data.id)}).`;
    return `${tool} finished: ${JSON.stringify(data)}.`;
  }
  const error = (parsed.error ?? {}) as ToolError;
  const message = typeof error.message === "string" ? error.message : "no reason given";
  if (error.code === "rejected") {
    const what = tool === "outbox_send" ? "The note was not sent" : `The ${tool} call was not carried out`;
    return `${what}: the reviewer rejected it ("${message}").`;
  }
  const suggestion = typeof parsed.suggestion === "string" ? ` ${parsed.suggestion}` : "";
  const code = typeof error.code === "string" ? error.code : "error";
  return `The ${tool} tool failed (${code}): ${message}.${suggestion}`;
}
