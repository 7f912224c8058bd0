import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { summarizeCutIndex } from "./summarize.js";

const toolTurn = (id: string) => [
  new AIMessage({ content: "", tool_calls: [{ id, name: "calculator", args: {} }] }),
  new ToolMessage({ tool_call_id: id, content: "{}" }),
];

describe("summarizeCutIndex", () => {
  it("keeps the newest messages that fit in the token budget", () => {
    // "m0".."m9" estimate at 5 tokens each (4 overhead + 1).
    const messages = Array.from({ length: 10 }, (_, i) => new HumanMessage(`m${i}`));
    expect(summarizeCutIndex(messages, 20)).toBe(6);
    expect(summarizeCutIndex(messages.slice(0, 3), 20)).toBe(0);
    expect(summarizeCutIndex(messages, 1)).toBe(9); // always keeps the last message
  });

  it("keeps at most the given number of messages, even when more would fit in the token budget", () => {
    const messages = Array.from({ length: 10 }, (_, i) => new HumanMessage(`m${i}`));
    expect(summarizeCutIndex(messages, 1_000, 3)).toBe(7);
    expect(summarizeCutIndex(messages, 20, 6)).toBe(6); // the tighter of the two
    expect(summarizeCutIndex(messages, 1_000, 1)).toBe(9);
  });

  it("never separates a tool call from its results", () => {
    const messages = [
      new HumanMessage("q"),
      ...toolTurn("a"),
      new AIMessage("a1"),
      new HumanMessage("q2"),
      ...toolTurn("b"),
    ];
    // Keeping 1 would start the tail at the ToolMessage of call b; the cut moves back to its AI message.
    const cut = summarizeCutIndex(messages, 5);
    expect(cut).toBe(5);
    expect(AIMessage.isInstance(messages[cut])).toBe(true);
  });

  it("moves past several parallel tool results", () => {
    const ai = new AIMessage({
      content: "",
      tool_calls: [
        { id: "x", name: "calculator", args: {} },
        { id: "y", name: "calculator", args: {} },
      ],
    });
    const messages = [
      new HumanMessage("q"),
      ai,
      new ToolMessage({ tool_call_id: "x", content: "" }),
      new ToolMessage({ tool_call_id: "y", content: "" }),
    ];
    expect(summarizeCutIndex(messages, 5)).toBe(1);
  });
});
