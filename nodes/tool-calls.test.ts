import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { firstJsonObject } from "../runtime/json-extract.js";
import { normalizeToolCalls, pendingToolCalls, toolResultMessage } from "./tool-calls.js";

describe("pendingToolCalls", () => {
  it("lists calls of the newest AI message that have no result yet", () => {
    const ai = new AIMessage({
      content: "",
      tool_calls: [
        { id: "a", name: "calculator", args: { expression: "1+1" } },
        { id: "b", name: "calculator", args: { expression: "2+2" } },
      ],
    });
    const answered = new ToolMessage({ tool_call_id: "a", content: "{}" });
    expect(pendingToolCalls([new HumanMessage("q"), ai, answered]).map((c) => c.id)).toEqual(["b"]);
    expect(pendingToolCalls([new HumanMessage("q")])).toEqual([]);
  });

  it("ignores calls of older AI messages", () => {
    const old = new AIMessage({ content: "", tool_calls: [{ id: "x", name: "calculator", args: {} }] });
    expect(pendingToolCalls([old, new AIMessage("done")])).toEqual([]);
  });
});

describe("normalizeToolCalls", () => {
  it("turns a call with malformed JSON into a call that will be answered, keeping the raw text", () => {
    const ai = new AIMessage({
      content: "",
      tool_calls: [{ id: "ok", name: "calculator", args: { expression: "1" } }],
      invalid_tool_calls: [{ id: "bad", name: "calculator", args: '{"expression": ', error: "Unexpected end" }],
    });
    const normalized = normalizeToolCalls(ai);
    expect(normalized.tool_calls?.map((c) => c.id)).toEqual(["ok", "bad"]);
    const pending = pendingToolCalls([normalized]);
    expect(pending[1]?.malformed).toEqual({ raw: '{"expression": ', error: "Unexpected end" });
    expect(pending[0]?.malformed).toBeUndefined();
  });

  it("leaves well-formed messages untouched", () => {
    const ai = new AIMessage({ content: "hi" });
    expect(normalizeToolCalls(ai)).toBe(ai);
  });
});

describe("toolResultMessage", () => {
  it("carries the structured result as JSON text and as an artifact", () => {
    const result = {
      ok: false as const,
      error: { code: "timeout" as const, message: "slow", retryable: true },
      suggestion: "retry",
    };
    const message = toolResultMessage({ id: "c1", name: "calculator" }, result);
    expect(firstJsonObject(message.content as string)).toEqual(result);
    expect(message.status).toBe("error");
    expect(message.artifact).toEqual(result);
  });
});

describe("normalizeToolCalls with streamed raw arguments", () => {
  it("flags a call whose raw JSON was truncated even though a lenient parser produced args", () => {
    const ai = new AIMessage({
      content: "",
      // What streaming yields for '{"to": "a@b.co", "body": "hel': partial args that look valid.
      tool_calls: [{ id: "t", name: "outbox_send", args: { to: "a@b.co", body: "hel" } }],
      additional_kwargs: {
        tool_calls: [
          { id: "t", type: "function", function: { name: "outbox_send", arguments: '{"to": "a@b.co", "body": "hel' } },
        ],
      },
    });
    const [call] = pendingToolCalls([normalizeToolCalls(ai)]);
    expect(call?.args).toEqual({});
    expect(call?.malformed?.raw).toBe('{"to": "a@b.co", "body": "hel');
  });

  it("accepts complete objects and empty argument strings", () => {
    const ai = new AIMessage({
      content: "",
      tool_calls: [
        { id: "a", name: "calculator", args: { expression: "1" } },
        { id: "b", name: "now", args: {} },
      ],
      additional_kwargs: {
        tool_calls: [
          { id: "a", type: "function", function: { name: "calculator", arguments: '{"expression":"1"}' } },
          { id: "b", type: "function", function: { name: "now", arguments: "" } },
        ],
      },
    });
    expect(normalizeToolCalls(ai)).toBe(ai);
  });
});
