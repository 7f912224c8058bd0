import { END, MemorySaver, ReducedValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { createRedactor } from "../guards/index.js";
import { startLangSmithCapture, type LangSmithCapture } from "../test/langsmith-capture.js";
import type { KeelTracer } from "./keel-tracer.js";
import { createTracing } from "./tracing.js";
import { addUsage, UsageSchema, ZERO_USAGE } from "./usage.js";

const Flag = z.object({ surface: z.string(), action: z.string() });
const State = new StateSchema({
  runUsage: UsageSchema.default(() => ({ ...ZERO_USAGE })),
  stopReason: z.string().nullable().default(null),
  guardFlags: new ReducedValue(
    z.array(Flag).default(() => []),
    {
      inputSchema: z.array(Flag),
      reducer: (a: z.infer<typeof Flag>[], b: z.infer<typeof Flag>[]) => [...a, ...b],
    },
  ),
});

// Shaped like the agent: a guard that flags, a model step that spends, a finalize that stops.
const graph = new StateGraph(State)
  .addNode("guard", () => ({ guardFlags: [{ surface: "user", action: "flagged" }] }))
  .addNode("plan", (s: typeof State.State) => ({
    runUsage: addUsage(s.runUsage, { inputTokens: 100, outputTokens: 20, costUsd: 0.002 }),
  }))
  .addNode("finalize", () => ({ stopReason: "answer" }))
  .addEdge(START, "guard")
  .addEdge("guard", "plan")
  .addEdge("plan", "finalize")
  .addEdge("finalize", END)
  .compile({ checkpointer: new MemorySaver() });

let capture: LangSmithCapture | undefined;
afterEach(async () => {
  await capture?.close();
  capture = undefined;
});

describe("KeelTracer", () => {
  it("adds the run's summary to the root's metadata, also when LangChain swaps in a copy of the tracer", async () => {
    capture = await startLangSmithCapture();
    const tracing = createTracing(
      { enabled: true, endpoint: capture.url, apiKey: "test-key", project: "keel-test", flushTimeoutMs: 3000 },
      createRedactor(),
    );
    // A configurable value that is not in the metadata makes LangChain trace with a copy of the tracer.
    await graph.invoke(
      {},
      {
        runName: "keel-turn",
        callbacks: tracing.callbacks,
        configurable: { thread_id: "t-1", tenant: "acme" },
        metadata: { user_id: "jane.doe@example.com" },
      },
    );
    await tracing.flush();

    const root = [...capture.runs().values()].find((run) => run.name === "keel-turn" && !run.parent_run_id);
    const metadata = (root?.extra as { metadata: Record<string, unknown> }).metadata;
    expect(metadata).toMatchObject({
      tenant: "acme",
      cost_usd: 0.002,
      total_tokens: 120,
      stop_reason: "answer",
      guard_flags: 1,
      guard_flag_kinds: ["user:flagged"],
      // Metadata passes the redactor like inputs and outputs.
      user_id: "[EMAIL]",
    });
    expect(capture.requests.map((r) => r.body).join("\n")).not.toContain("jane.doe@example.com");
    expect((tracing.callbacks[0] as KeelTracer).openTraces).toBe(0);
  });
});
