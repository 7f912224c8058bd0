import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import type { TurnOutcome } from "../app/turn.js";
import { callTool, say, startFakeOpenAI, type FakeOpenAI, type Responder } from "../fake-openai/index.js";
import { defineTool } from "../tools/define.js";
import { jsonOf, runCli } from "./cli-process.js";
import { startHarness, type Harness } from "./harness.js";

let h: Harness | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

/** Calls the calculator forever; answers a request offered no tools (the summary) in prose. */
const relentless: Responder = (request) =>
  request.tools?.length
    ? callTool("calculator", { expression: "1+1" })
    : say("Summary: I kept adding 1+1; the task itself is not finished.");

function done(outcome: TurnOutcome): Extract<TurnOutcome, { status: "done" }> {
  expect(outcome.status).toBe("done");
  return outcome as Extract<TurnOutcome, { status: "done" }>;
}

describe("budgets stop a model that never stops calling tools, with a graceful summary", () => {
  it("tokens: stops at the run token budget with a deterministic summary (no further model call)", async () => {
    h = await startHarness(relentless, { env: { MAX_RUN_TOKENS: "3000", MAX_STEPS: "50" } });
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_tokens");
    expect(outcome.usage.inputTokens + outcome.usage.outputTokens).toBeGreaterThanOrEqual(3000);
    expect(outcome.answer).toContain("The run budget of 3000 tokens is used up");
    expect(h.fake.requests.every((r) => (r.tools?.length ?? 0) > 0)).toBe(true); // no summary call
  });

  it("USD: stops at the run cost budget", async () => {
    h = await startHarness(relentless, { env: { MAX_RUN_COST_USD: "0.0005", MAX_STEPS: "50" } });
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_cost");
    expect(outcome.usage.costUsd).toBeGreaterThanOrEqual(0.0005);
    expect(outcome.answer).toContain("The run budget of $0.0005 is used up");
  });

  it("wall clock: stops once the active time budget is spent", async () => {
    const slow = defineTool({
      name: "calculator",
      description: "slow",
      schema: z.object({ expression: z.string() }),
      handler: async () => {
        await sleep(150);
        return 2;
      },
    });
    h = await startHarness(relentless, { env: { MAX_RUN_SECONDS: "0.5", MAX_STEPS: "50" }, tools: [slow] });
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_time");
    expect(outcome.usage.elapsedMs).toBeGreaterThanOrEqual(500);
    expect(outcome.usage.toolCalls).toBeLessThan(10);
  });

  it("tool calls: the batch that would pass the limit is refused, and the model writes the summary", async () => {
    h = await startHarness(relentless, { env: { MAX_TOOL_CALLS: "3", MAX_STEPS: "50" } });
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_tool_calls");
    expect(outcome.usage.toolCalls).toBe(3);
    expect(outcome.answer).toBe("Summary: I kept adding 1+1; the task itself is not finished.");
    // The refused call still got a result, so no call is left unanswered.
    const last = h.fake.requests.at(-1)!;
    const calls = last.messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
    const answered = last.messages.flatMap((m) => (m.role === "tool" ? [m.tool_call_id] : []));
    expect(answered).toEqual(calls);
  });

  it("a request's own budget narrows the configured one", async () => {
    h = await startHarness(relentless, { env: { MAX_STEPS: "50" } });
    h.caller.budget = { steps: 2 };
    const outcome = done(await h.say("loop"));
    expect(outcome.stopReason).toBe("budget_steps");
    expect(outcome.usage.steps).toBe(2);
  });
});

describe("cost", () => {
  it("the cost of a run equals the sum over its model calls at the table's prices, to the cent", async () => {
    const calls = [
      { prompt_tokens: 120_000, completion_tokens: 3_000 },
      { prompt_tokens: 140_000, completion_tokens: 9_000 },
      { prompt_tokens: 90_000, completion_tokens: 12_345 },
    ];
    let i = 0;
    h = await startHarness(
      (request) => {
        const usage = calls[i++]!;
        return i < calls.length && request.tools?.length
          ? { ...callTool("calculator", { expression: "2*3" }), usage }
          : { content: "done", usage };
      },
      { env: { MODEL: "gpt-4o" } },
    );
    const outcome = done(await h.say("compute"));
    // gpt-4o: $2.50 per million input tokens, $10 per million output tokens.
    const expected = calls.reduce((sum, c) => sum + (c.prompt_tokens * 2.5 + c.completion_tokens * 10) / 1e6, 0);
    expect(expected).toBeCloseTo(1.11845, 10);
    expect(outcome.usage.costUsd).toBeCloseTo(expected, 9);
    expect(Math.round(outcome.usage.costUsd * 100)).toBe(Math.round(expected * 100));
    expect(outcome.usage.inputTokens).toBe(350_000);
    expect(outcome.usage.outputTokens).toBe(24_345);
  });

  it("a thread's USD budget counts across runs and across process restarts", async () => {
    // Every call costs exactly 10,000 input tokens on gpt-4o-mini = $0.0015.
    fake = await startFakeOpenAI({
      responder: () => ({ content: "noted", usage: { prompt_tokens: 10_000, completion_tokens: 0 } }),
    });
    const env = {
      DATABASE_URL: inject("databaseUrl"),
      OPENAI_API_KEY: "k",
      OPENAI_BASE_URL: fake.baseUrl,
      MAX_THREAD_COST_USD: "0.004",
    };
    const first = jsonOf<{ threadId: string; stopReason: string }>(await runCli(["--message", "one", "--json"], env));
    expect(first.stopReason).toBe("answer");
    const outcomes = [];
    for (const message of ["two", "three", "four"]) {
      // Each run is a new process: the thread's spend comes back from PostgreSQL.
      outcomes.push(
        jsonOf<{ stopReason: string; threadUsage: { costUsd: number } }>(
          await runCli(["--thread", first.threadId, "--message", message, "--json"], env),
        ),
      );
    }
    expect(outcomes.map((o) => o.stopReason)).toEqual(["answer", "answer", "budget_cost"]);
    expect(outcomes[2]!.threadUsage.costUsd).toBeCloseTo(0.0045, 9);
    expect(fake.requests).toHaveLength(3);
  }, 60_000);
});

describe("per-user limits", () => {
  it("a user's daily USD cap holds across threads, with a clear message and retry time", async () => {
    const user = `user-${randomUUID()}`;
    const env = { USER_USD_PER_DAY: "0.002" };
    const costly: Responder = () => ({ content: "ok", usage: { prompt_tokens: 10_000, completion_tokens: 0 } }); // $0.0015
    h = await startHarness(costly, { env });
    h.caller.userId = user;
    expect(done(await h.say("first")).stopReason).toBe("answer");
    expect(done(await h.say("second")).stopReason).toBe("answer");
    await h.close();
    h = await startHarness(costly, { env }); // another thread of the same user
    h.caller.userId = user;
    const refused = done(await h.say("third"));
    expect(refused.stopReason).toBe("user_limit");
    expect(refused.answer).toMatch(
      /Daily spending limit of \$0\.00(2|20) reached for user user-.*; try again after \d{4}-\d\d-\d\dT00:00:00Z/,
    );
    expect(h.fake.requests).toHaveLength(0);
  });
});
