/**
 * Scripted responders and builders for the replies tests need, including the content-level faults
 * a real model produces: broken tool-call JSON, tools that do not exist, prose instead of JSON,
 * and a model that never stops calling tools.
 */
import type { FakeAnswer, FakeReply, FakeToolCall, Responder } from "./types.js";
import { newToolCallId } from "./wire.js";

/**
 * Plays the given replies in order, one per request. Once exhausted it answers HTTP 400 (which no
 * client retries), so a test whose script is too short fails loudly instead of hanging.
 */
export function script(...steps: (FakeReply | Responder)[]): Responder {
  let played = 0;
  return (request, call) => {
    const step = steps[played];
    if (step === undefined) {
      return { fault: "bad_request", status: 400, message: `fake script exhausted after ${steps.length} calls` };
    }
    played += 1;
    return typeof step === "function" ? step(request, call) : step;
  };
}

/** A plain text answer. */
export function say(content: string): FakeAnswer {
  return { content };
}

/** An answer that calls one tool. */
export function callTool(name: string, args: Record<string, unknown> | string, id?: string): FakeAnswer {
  return { toolCalls: [{ name, arguments: args, ...(id === undefined ? {} : { id }) }] };
}

/** A tool call whose arguments are not valid JSON (cut off mid-object by default). */
export function malformedToolCall(name = "calculator", rawArguments = '{"expression": '): FakeAnswer {
  return callTool(name, rawArguments);
}

/** A call to a tool that was never offered. */
export function unknownToolCall(name = "no_such_tool", args: Record<string, unknown> = {}): FakeAnswer {
  return callTool(name, args);
}

/** Chatty prose where the request asked for JSON. */
export function proseInsteadOfJson(
  text = "Sure! Here is what you asked for, in plain words rather than JSON.",
): FakeAnswer {
  return { content: text };
}

/** A model that calls a tool on every request, with a fresh call id each time, and never answers. */
export function forever(toolCall: Omit<FakeToolCall, "id">): Responder {
  return () => ({ toolCalls: [{ ...toolCall, id: newToolCallId() }] });
}
