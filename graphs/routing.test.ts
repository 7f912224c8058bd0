import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../runtime/usage.js";
import { needsSummary, routeAfterApprove, routeAfterGuard, routeAfterPlan, routeAfterTools } from "./routing.js";
import type { AgentStateValue } from "./state.js";

const limits = { summarizeAfterMessages: 4 };
const state = (over: Partial<AgentStateValue>): AgentStateValue => ({
  messages: [],
  summary: "",
  threadUsage: ZERO_USAGE,
  runUsage: ZERO_USAGE,
  approvals: {},
  guardFlags: [],
  stopReason: null,
  error: null,
  ...over,
});
const call = (id: string, name: string, args: Record<string, unknown> = {}) => ({
  id,
  name,
  args,
  type: "tool_call" as const,
});
const gated = (name: string) => name === "outbox_send";

describe("routing", () => {
  it("guard: refused input goes straight to finalize", () => {
    expect(routeAfterGuard(state({ stopReason: "refused", messages: [new HumanMessage("x")] }), limits)).toBe(
      "finalize",
    );
  });

  it("guard: a long context is summarized before planning", () => {
    const many = Array.from({ length: 5 }, (_, i) => new HumanMessage(`m${i}`));
    expect(routeAfterGuard(state({ messages: many }), limits)).toBe("summarize");
    expect(routeAfterGuard(state({ messages: many.slice(0, 4) }), limits)).toBe("plan");
    expect(needsSummary({ messages: many.slice(0, 4) }, limits)).toBe(false);
  });

  it("plan: an answer without tool calls ends the run", () => {
    expect(routeAfterPlan(state({ messages: [new HumanMessage("hi"), new AIMessage("hello")] }), gated)).toBe(
      "finalize",
    );
  });

  it("plan: a stop reason (budget, model error) ends the run even after tool calls", () => {
    const ai = new AIMessage({ content: "", tool_calls: [call("1", "calculator")] });
    expect(routeAfterPlan(state({ messages: [ai], stopReason: "budget_steps" }), gated)).toBe("finalize");
  });

  it("plan: calls that need no approval go to tools; any gated call goes to approve", () => {
    const safe = new AIMessage({ content: "", tool_calls: [call("1", "calculator")] });
    const mixed = new AIMessage({ content: "", tool_calls: [call("1", "calculator"), call("2", "outbox_send")] });
    expect(routeAfterPlan(state({ messages: [safe] }), gated)).toBe("tools");
    expect(routeAfterPlan(state({ messages: [mixed] }), gated)).toBe("approve");
  });

  it("approve: all calls rejected (answered) returns to plan; otherwise tools run", () => {
    const ai = new AIMessage({ content: "", tool_calls: [call("1", "outbox_send")] });
    const rejected = new ToolMessage({ tool_call_id: "1", content: "{}" });
    expect(routeAfterApprove(state({ messages: [ai, rejected] }))).toBe("plan");
    expect(routeAfterApprove(state({ messages: [ai] }))).toBe("tools");
  });

  it("tools: back to plan, via summarize when the context is long", () => {
    const many = Array.from({ length: 5 }, (_, i) => new HumanMessage(`m${i}`));
    expect(routeAfterTools(state({ messages: many }), limits)).toBe("summarize");
    expect(routeAfterTools(state({ messages: many.slice(0, 2) }), limits)).toBe("plan");
  });
});
