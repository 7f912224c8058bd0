import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "../tools/define.js";
import { BUILTIN_TOOLS } from "../tools/index.js";
import { callTool, say, script, type FakeChatRequest, type Responder } from "../fake-openai/index.js";
import { estimatePromptTokens } from "../fake-openai/wire.js";
import { SUMMARY_INSTRUCTIONS } from "../nodes/summarize.js";
import { startHarness, toolResultsIn, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const text = (content: unknown): string => (typeof content === "string" ? content : JSON.stringify(content ?? ""));

/**
 * A fake model that (a) as the summarizer keeps every line the user asked to remember, and
 * (b) as the assistant answers the code-word question only from the summary it is given.
 */
const conversationalist: Responder = (request) => {
  const system = text(request.messages[0]?.content);
  if (system.startsWith(SUMMARY_INSTRUCTIONS)) {
    const kept = new Set(
      text(request.messages[1]?.content)
        .split("\n")
        .filter((line) => line.includes("remember:")),
    );
    return say([...kept].join("\n"));
  }
  const last = request.messages.at(-1)!;
  if (last.role === "tool") return say(`Noted ${JSON.stringify(toolResultsIn({ messages: [last] })[0])}`);
  const question = text(last.content);
  if (question === "what is the code word?") {
    const word = /the code word is (\w+)/.exec(system)?.[1];
    return say(word ? `The code word is ${word}.` : "I don't know.");
  }
  const turn = Number(/turn (\d+)/.exec(question)?.[1] ?? 0);
  return turn % 10 === 5 ? callTool("calculator", { expression: `${turn}*2` }) : say(`ok, turn ${turn} noted.`);
};

/** Every tool result answers a call made earlier in the same request, and every call is answered. */
function assertNoOrphans(request: FakeChatRequest): void {
  const calls = request.messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
  const results = request.messages.flatMap((m) => (m.role === "tool" ? [m.tool_call_id] : []));
  expect(results.sort()).toEqual([...calls].sort());
  request.messages.forEach((m, i) => {
    if (m.role !== "tool") return;
    const caller = request.messages.slice(0, i).findLast((p) => p.role === "assistant");
    expect(caller?.tool_calls?.map((c) => c.id)).toContain(m.tool_call_id);
  });
}

describe("context management over a long conversation", () => {
  it("200 turns stay under the context window; the summary keeps a fact from turn 1; no tool message is orphaned", async () => {
    const window = 3000;
    h = await startHarness(conversationalist, {
      env: {
        MODEL_CONTEXT_TOKENS: String(window),
        CONTEXT_SUMMARIZE_AT: "0.7",
        CONTEXT_KEEP_RECENT: "0.2",
        MAX_THREAD_COST_USD: "0",
      },
    });
    await h.say("remember: the code word is heliotrope");
    for (let turn = 2; turn <= 200; turn++)
      await h.say(`turn ${turn}: some chatter about the weather, the build and lunch plans`);
    const final = await h.say("what is the code word?");
    expect(final.status === "done" && final.answer).toBe("The code word is heliotrope.");

    const agentRequests = h.fake.requests.filter((r) => !text(r.messages[0]?.content).startsWith(SUMMARY_INSTRUCTIONS));
    const summaries = h.fake.requests.length - agentRequests.length;
    expect(summaries).toBeGreaterThan(5); // the conversation was folded many times
    for (const request of h.fake.requests) assertNoOrphans(request);
    // Measured with the endpoint's own count of each request (what it reports as usage; tool schemas included).
    const largest = Math.max(...h.fake.requests.map((r) => estimatePromptTokens(r)));
    expect(largest).toBeLessThan(window);
    const state = await h.agent.getState({ configurable: { thread_id: h.caller.threadId } });
    const values = state.values as { messages: unknown[]; summary: string };
    expect(values.messages.length).toBeLessThan(60);
    expect(values.summary).toContain("heliotrope");
  }, 180_000);

  // Every checkpoint stores the whole list: by default a long thread's window is bounded by count,
  // long before any token trigger, so what each turn writes stays flat.
  it("by default, a thread never holds more than CONTEXT_SUMMARIZE_MESSAGES messages, and the summary keeps turn 1", async () => {
    h = await startHarness(conversationalist, { env: { MAX_THREAD_COST_USD: "0" } });
    await h.say("remember: the code word is heliotrope");
    let most = 0;
    for (let turn = 2; turn <= 60; turn++) {
      await h.say(`turn ${turn}: chatter`);
      const state = await h.agent.getState({ configurable: { thread_id: h.caller.threadId } });
      most = Math.max(most, (state.values as { messages: unknown[] }).messages.length);
    }
    // 40 is the trigger; the turn that passes it is folded before the model is called.
    expect(most).toBeLessThanOrEqual(42);
    const summaries = h.fake.requests.filter((r) => text(r.messages[0]?.content).startsWith(SUMMARY_INSTRUCTIONS));
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    expect(summaries.length).toBeLessThanOrEqual(8);
    const final = await h.say("what is the code word?");
    expect(final.status === "done" && final.answer).toBe("The code word is heliotrope.");
  }, 120_000);

  it("long tool output is truncated with a note before it enters the context", async () => {
    const big = defineTool({
      name: "dump",
      description: "returns a lot",
      schema: z.object({}),
      handler: async () => ({ rows: "x".repeat(50_000) }),
    });
    h = await startHarness(script(callTool("dump", {}), say("seen")), {
      tools: [...BUILTIN_TOOLS, big],
      env: { TOOL_OUTPUT_MAX_CHARS: "1000" },
    });
    await h.say("dump it");
    const [result] = toolResultsIn(h.fake.requests[1]!) as [
      { ok: boolean; data: string; truncated: { originalChars: number; note: string } },
    ];
    expect(result.ok).toBe(true);
    expect(result.data).toHaveLength(1000);
    expect(result.truncated).toEqual({
      originalChars: 50_011,
      note: "Output truncated to the first 1000 of 50011 characters.",
    });
  });
});
