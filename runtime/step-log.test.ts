import { Command, END, interrupt, MemorySaver, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { KeelError } from "./errors.js";
import { memoryLogger } from "./logger.js";
import { createStepLogger } from "./step-log.js";
import { addUsage, UsageSchema, ZERO_USAGE } from "./usage.js";

// A tiny graph shaped like the agent's state (runUsage, stopReason), with no model: "spend" adds
// usage to the running total the way plan does; "reset" lowers it the way guard_input does.
const State = new StateSchema({
  n: z.number().default(0),
  runUsage: UsageSchema.default(() => ({ ...ZERO_USAGE })),
  stopReason: z.string().nullable().default(null),
});
const SPENT = { inputTokens: 120, outputTokens: 30, costUsd: 0.00042 };
const BASE = addUsage(ZERO_USAGE, { inputTokens: 50, outputTokens: 7, costUsd: 0.0001 });

function graph(options: { fail?: boolean; pause?: boolean } = {}) {
  return new StateGraph(State)
    .addNode("reset", () => ({ runUsage: BASE }))
    .addNode("spend", (s: typeof State.State) => {
      if (options.fail) throw new KeelError("model_unavailable", "the model is down");
      return { runUsage: addUsage(s.runUsage, SPENT) };
    })
    .addNode("approve", () => {
      if (options.pause) interrupt("ok?");
      return { n: 1 };
    })
    .addNode("finalize", () => ({ stopReason: "answer" }))
    .addEdge(START, "reset")
    .addEdge("reset", "spend")
    .addConditionalEdges("spend", () => "approve", ["approve"])
    .addEdge("approve", "finalize")
    .addEdge("finalize", END)
    .compile({ checkpointer: new MemorySaver() });
}

const identity = { runName: "keel-turn", metadata: { thread_id: "t-1", user_id: "u-1" } };
const config = (thread = "t-1") => ({ ...identity, configurable: { thread_id: thread } });

describe("step logger", () => {
  it("logs one step line per node with ids, caller, duration, and the spend of the steps that spent", async () => {
    const { logger, lines } = memoryLogger();
    const steps = createStepLogger(logger);
    await graph().invoke({ n: 0, runUsage: { ...ZERO_USAGE, inputTokens: 999 } }, { ...config(), callbacks: [steps] });

    const logged = lines.filter((l) => l.event === "step");
    expect(logged.map((l) => l.node)).toEqual(["reset", "spend", "approve", "finalize"]);
    const traceId = logged[0]!.trace_id;
    expect(traceId).toMatch(/^[0-9a-f-]{36}$/);
    for (const line of logged) {
      expect(line).toMatchObject({ level: 30, trace_id: traceId, run_id: traceId, thread_id: "t-1", user_id: "u-1" });
      expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    }
    const [reset, spend, approve, finalize] = logged;
    // A lower total is a reset, not spend; the spend is the difference the node made to the total.
    expect(reset).not.toHaveProperty("input_tokens");
    expect(spend).toMatchObject({ input_tokens: 120, output_tokens: 30, cost_usd: 0.00042 });
    expect(approve).not.toHaveProperty("cost_usd");
    expect(finalize).toMatchObject({ stop_reason: "answer" });
    expect(spend).not.toHaveProperty("stop_reason");
    expect(steps.openRuns).toBe(0);
  });

  it("trace ids are equal within a run and differ across runs; nothing is kept after runs end", async () => {
    const { logger, lines } = memoryLogger();
    const steps = createStepLogger(logger);
    const g = graph();
    await Promise.all([
      g.invoke({ n: 0 }, { ...config("t-a"), callbacks: [steps] }),
      g.invoke({ n: 0 }, { ...config("t-b"), callbacks: [steps] }),
    ]);
    await g.invoke({ n: 0 }, { ...config("t-a"), callbacks: [steps] });
    const traces = new Set(lines.map((l) => l.trace_id));
    expect(lines).toHaveLength(12);
    expect(traces.size).toBe(3);
    for (const trace of traces) expect(lines.filter((l) => l.trace_id === trace)).toHaveLength(4);
    expect(steps.openRuns).toBe(0);
  });

  it("a caller's run id is the trace id (LangGraph's runId); configurable.run_id is reported as the run id", async () => {
    const { logger, lines } = memoryLogger();
    const runId = "0b7a3c1e-5d2f-4e8a-9c6b-1f2e3d4c5b6a";
    await graph().invoke({ n: 0 }, { ...config(), runId, callbacks: [createStepLogger(logger)] });
    expect(lines.every((l) => l.trace_id === runId && l.run_id === runId)).toBe(true);

    lines.length = 0;
    const platformRun = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const cfg = {
      ...identity,
      configurable: { thread_id: "t-2", run_id: platformRun },
      callbacks: [createStepLogger(logger)],
    };
    await graph().invoke({ n: 0 }, cfg);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.run_id === platformRun && l.trace_id !== platformRun)).toBe(true);
  });

  it("a failing node logs step_error at error level with its code and message", async () => {
    const { logger, lines } = memoryLogger();
    const steps = createStepLogger(logger);
    await expect(graph({ fail: true }).invoke({ n: 0 }, { ...config(), callbacks: [steps] })).rejects.toThrow(
      "the model is down",
    );
    expect(lines.map((l) => [l.event, l.node])).toEqual([
      ["step", "reset"],
      ["step_error", "spend"],
    ]);
    expect(lines[1]).toMatchObject({
      level: 50,
      code: "model_unavailable",
      message: "the model is down",
      user_id: "u-1",
    });
    expect(steps.openRuns).toBe(0);
  });

  it("a node that pauses for a human is a step marked interrupted, and runs again as a step on resume", async () => {
    const { logger, lines } = memoryLogger();
    const steps = createStepLogger(logger);
    const g = graph({ pause: true });
    await g.invoke({ n: 0 }, { ...config("t-p"), callbacks: [steps] });
    expect(lines.at(-1)).toMatchObject({ event: "step", node: "approve", interrupted: true, level: 30 });
    expect(steps.openRuns).toBe(0);
    // On resume interrupt() returns the answer, so the node completes.
    await g.invoke(new Command({ resume: "yes" }), { ...config("t-p"), callbacks: [steps] });
    expect(lines.slice(3).map((l) => l.node)).toEqual(["approve", "finalize"]);
    expect(lines[3]).not.toHaveProperty("interrupted");
    expect(lines[3]!.trace_id).not.toBe(lines[0]!.trace_id);
    expect(steps.openRuns).toBe(0);
  });
});
