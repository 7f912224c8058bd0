import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../runtime/usage.js";
import { needsSummary, routeAfterApprove, routeAfterGuard, routeAfterPlan, routeAfterTools } from "./routing.js";
import type { AgentStateValue } from "./state.js";

// Each filler message estimates at 13 tokens (4 overhead + 36 chars / 4): three fit under 40, four do not.
const limits = { summarizeAtTokens: 40, summarizeAtMessages: 0 };
const filler = (n: number) => Array.from({ length: n }, (_, i) => new HumanMessage(`${i}`.padEnd(36, ".")));
const state = (over: Partial<AgentStateValue>): AgentStateValue => ({
  messages: [],
  summary: "",
  threadUsage: ZERO_USAGE,
  runUsage: ZERO_USAGE,
  approvals: {},
  guardFlags: [],
  inputWatermark: null,
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

  it("guard: a context past the token trigger is summarized before planning", () => {
    expect(routeAfterGuard(state({ messages: filler(4) }), limits)).toBe("summarize");
    expect(routeAfterGuard(state({ messages: filler(3) }), limits)).toBe("plan");
  });

  // Every checkpoint stores the whole list: a count bounds what a long thread writes per turn.
  it("guard: more messages than the count trigger are summarized, however few tokens they hold", () => {
    const short = Array.from({ length: 6 }, (_, i) => new HumanMessage(`${i}`));
    const byCount = { summarizeAtTokens: 1_000, summarizeAtMessages: 5 };
    expect(routeAfterGuard(state({ messages: short }), byCount)).toBe("summarize");
    expect(routeAfterGuard(state({ messages: short.slice(1) }), byCount)).toBe("plan");
  });

  it("the running summary counts toward the context", () => {
    expect(needsSummary({ messages: filler(3), summary: "" }, limits)).toBe(false);
    expect(needsSummary({ messages: filler(3), summary: "s".repeat(40) }, limits)).toBe(true);
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

  it("tools: back to plan, via summarize when the context is long; a budget stop ends the run", () => {
    expect(routeAfterTools(state({ messages: filler(4) }), limits)).toBe("summarize");
    expect(routeAfterTools(state({ messages: filler(2) }), limits)).toBe("plan");
    expect(routeAfterTools(state({ messages: filler(2), stopReason: "budget_tool_calls" }), limits)).toBe("finalize");
  });
});
