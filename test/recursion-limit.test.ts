import { randomUUID } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentDeps } from "../app/keel.js";
import { readOutcome, runTurn, type TurnOutcome } from "../app/turn.js";
import type { Database } from "../checkpoint/index.js";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { compileAgent } from "../graphs/agent.js";
import { loadConfig } from "../runtime/config.js";
import { prng } from "../guards/injection/train.js";
import { memoryLogger } from "../runtime/logger.js";
import { openTestDatabase } from "./db.js";
import { FAST_MODEL_ENV } from "./harness.js";

/** Calls the calculator on every request that offers tools; the summarizer (no tools) gets prose. */
const neverStops: Responder = (request) =>
  request.tools?.length ? callTool("calculator", { expression: "1+1" }) : say("Summary: still adding 1+1.");

/** The smallest window: the context is summarized after every tool result, the most super-steps per call. */
const SUMMARIZE_EVERY_TURN = { MODEL_CONTEXT_TOKENS: "1000", CONTEXT_SUMMARIZE_AT: "0.1", CONTEXT_KEEP_RECENT: "0.05" };

let fake: FakeOpenAI;
let db: Database;
beforeAll(async () => {
  fake = await startFakeOpenAI({ responder: neverStops });
  db = await openTestDatabase();
});
afterAll(async () => {
  await Promise.allSettled([fake.close(), db.close()]);
});

function agentWith(env: Record<string, string>, checkpointer: "postgres" | "none" = "postgres") {
  const config = loadConfig({ ...FAST_MODEL_ENV, ...SUMMARIZE_EVERY_TURN, ...env });
  const { logger } = memoryLogger("silent");
  const deps = createAgentDeps(config, { fake, pool: async () => db.pool, logger });
  return compileAgent(deps, checkpointer === "postgres" ? db.saver : undefined);
}

async function runNeverStopping(env: Record<string, string>): Promise<Extract<TurnOutcome, { status: "done" }>> {
  const caller = { threadId: `recursion-${randomUUID()}`, userId: "tester", role: "member" as const };
  const outcome = await runTurn(agentWith(env), { message: "keep going" }, caller);
  expect(outcome.status).toBe("done");
  return outcome as Extract<TurnOutcome, { status: "done" }>;
}

/**
 * The sweeps run the graph as `langgraph.json` exports it (no checkpointer: the platform brings its
 * own), which counts super-steps the same way and keeps hundreds of runs fast.
 */
async function sweepRun(env: Record<string, string>): Promise<{ stopReason: string | null; steps: number }> {
  const state = await agentWith(env, "none").invoke({ messages: [new HumanMessage("keep going")] });
  return { stopReason: state.stopReason, steps: state.runUsage.steps };
}

/** Runs `fn` over `items`, a few at a time (each run waits on HTTP and PostgreSQL, not the CPU alone). */
async function inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, width = 6): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

describe("budgets end a never-stopping model before LangGraph's recursion limit", () => {
  it("at the default configuration: budget_steps after exactly MAX_STEPS model calls", async () => {
    const outcome = await runNeverStopping({});
    expect(outcome.stopReason).toBe("budget_steps");
    expect(outcome.usage.steps).toBe(12);
    expect(outcome.error?.message).toContain("The run budget of 12 steps is used up");
    expect(outcome.answer).toBe("Summary: still adding 1+1.");
  });

  it("step budgets across 1..50 are spent in full and end in finalize with budget_steps", async () => {
    // Every budget up to 16 (the default and its neighbours), then a seeded sample of the rest and 50.
    const random = prng(50);
    const sampled = Array.from({ length: 6 }, () => 17 + Math.floor(random() * 33));
    const settings = [...Array.from({ length: 16 }, (_, i) => i + 1), ...sampled, 50];
    const outcomes = await inParallel(settings, async (steps) => {
      const outcome = await sweepRun({ MAX_STEPS: String(steps), MAX_MODEL_CALLS: "10000", MAX_TOOL_CALLS: "10000" });
      return { steps, stopReason: outcome.stopReason, used: outcome.steps };
    });
    expect(outcomes).toEqual(settings.map((steps) => ({ steps, stopReason: "budget_steps", used: steps })));
  }, 120_000);

  it("random mixes of step, model-call, tool-call and token budgets each end with a budget_* stop", async () => {
    const random = prng(20261207);
    const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const settings = Array.from({ length: 16 }, () => ({
      MAX_STEPS: String(pick(1, 50)),
      MAX_MODEL_CALLS: String(pick(1, 60)),
      MAX_TOOL_CALLS: String(pick(1, 60)),
      MAX_RUN_TOKENS: String(random() < 0.5 ? 0 : pick(200, 20_000)),
    }));
    const outcomes = await inParallel(settings, async (env) => ({
      env,
      stopReason: (await sweepRun(env)).stopReason,
    }));
    const budgetStop = /^budget_(steps|model_calls|tool_calls|tokens)$/;
    expect(outcomes.filter((o) => !budgetStop.test(o.stopReason ?? ""))).toEqual([]);
  }, 120_000);

  it("a caller's own, lower recursionLimit is met as a step budget, not a GraphRecursionError", async () => {
    const agent = agentWith({ MAX_STEPS: "50" });
    const threadId = `recursion-${randomUUID()}`;
    for (const recursionLimit of [25, 13, 9]) {
      const thread = `${threadId}-${recursionLimit}`;
      await agent.invoke(
        { messages: [new HumanMessage("keep going")] },
        { configurable: { thread_id: thread }, recursionLimit },
      );
      const outcome = await readOutcome(agent, thread);
      expect(outcome.status).toBe("done");
      if (outcome.status !== "done") return;
      expect(outcome.stopReason).toBe("budget_steps");
      expect(outcome.error?.message).toContain(`limit of ${recursionLimit} graph steps`);
      expect(outcome.usage.steps).toBeGreaterThan(0);
    }
  });
});
