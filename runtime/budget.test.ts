import { describe, expect, it } from "vitest";
import { budgetBreach, narrowBudget, recursionBreach, recursionLimitFor } from "./budget.js";
import { addUsage, ZERO_USAGE } from "./usage.js";

const usage = (over: Partial<typeof ZERO_USAGE>) => addUsage(ZERO_USAGE, over);
const none = { run: {}, thread: {} };

describe("budgetBreach", () => {
  it("a step limit of N allows exactly N model calls, and does not block tool batches", () => {
    const budgets = { run: { steps: 3 }, thread: {} };
    expect(budgetBreach({ run: usage({ steps: 2 }), thread: ZERO_USAGE }, budgets, { modelCall: true })).toBeNull();
    expect(budgetBreach({ run: usage({ steps: 3 }), thread: ZERO_USAGE }, budgets, { modelCall: true })?.reason).toBe(
      "budget_steps",
    );
    expect(budgetBreach({ run: usage({ steps: 3 }), thread: ZERO_USAGE }, budgets, { toolCalls: 2 })).toBeNull();
  });

  it("a tool batch that would pass the tool-call limit is refused whole", () => {
    const budgets = { run: { toolCalls: 5 }, thread: {} };
    expect(budgetBreach({ run: usage({ toolCalls: 3 }), thread: ZERO_USAGE }, budgets, { toolCalls: 2 })).toBeNull();
    const breach = budgetBreach({ run: usage({ toolCalls: 3 }), thread: ZERO_USAGE }, budgets, { toolCalls: 3 });
    expect(breach).toMatchObject({ reason: "budget_tool_calls", scope: "run", limit: 5, used: 3 });
  });

  it("cost, tokens and time stop all further work once reached", () => {
    const budgets = { run: { usd: 0.01, tokens: 1000, wallSeconds: 2 }, thread: {} };
    expect(budgetBreach({ run: usage({ costUsd: 0.01 }), thread: ZERO_USAGE }, budgets, { toolCalls: 1 })?.reason).toBe(
      "budget_cost",
    );
    expect(
      budgetBreach({ run: usage({ inputTokens: 900, outputTokens: 100 }), thread: ZERO_USAGE }, budgets)?.reason,
    ).toBe("budget_tokens");
    expect(
      budgetBreach({ run: usage({ elapsedMs: 2000 }), thread: ZERO_USAGE }, budgets, { modelCall: true })?.reason,
    ).toBe("budget_time");
    expect(
      budgetBreach({ run: usage({ costUsd: 0.009, inputTokens: 999, elapsedMs: 1999 }), thread: ZERO_USAGE }, budgets),
    ).toBeNull();
  });

  it("thread budgets count across runs and are reported before run budgets", () => {
    const budgets = { run: { usd: 0.01 }, thread: { usd: 0.05 } };
    const breach = budgetBreach({ run: usage({ costUsd: 0.02 }), thread: usage({ costUsd: 0.05 }) }, budgets, {
      modelCall: true,
    });
    expect(breach).toMatchObject({ reason: "budget_cost", scope: "thread" });
    expect(breach?.message).toBe("The thread budget of $0.0500 is used up ($0.0500 so far).");
  });

  it("nothing is limited without budgets", () => {
    expect(
      budgetBreach({ run: usage({ steps: 1e6, costUsd: 1e6 }), thread: ZERO_USAGE }, none, { modelCall: true }),
    ).toBeNull();
  });
});

describe("narrowBudget", () => {
  it("a request can lower limits and add new ones, never raise them", () => {
    expect(narrowBudget({ steps: 10, usd: 1 }, { steps: 3, usd: 5, wallSeconds: 30 })).toEqual({
      steps: 3,
      usd: 1,
      wallSeconds: 30,
    });
    expect(narrowBudget({ steps: 10 }, undefined)).toEqual({ steps: 10 });
  });
});

describe("recursion limit", () => {
  it("leaves room for every model call the step or model-call budget allows", () => {
    // guard + summarize, 4 super-steps per call, the stopping plan + finalize, and LangGraph's input step.
    expect(recursionLimitFor({ steps: 12 })).toBe(2 + 4 * 12 + 2 + 1);
    expect(recursionLimitFor({ steps: 12, modelCalls: 5 })).toBe(recursionLimitFor({ steps: 5 }));
    expect(recursionLimitFor({ tokens: 1000 })).toBe(10_000);
    for (let steps = 1; steps <= 50; steps++) {
      const limit = recursionLimitFor({ steps });
      expect(recursionBreach(limit, steps - 1)).toBeNull(); // the last call the budget allows fits
    }
  });

  it("a lower limit than the budgets need becomes a budget_steps stop before the call that would not fit", () => {
    expect(recursionBreach(undefined, 100)).toBeNull();
    expect(recursionBreach(25, 4)).toBeNull(); // 2 + 4*5 + 2 + 1 = 25
    expect(recursionBreach(25, 5)).toMatchObject({ reason: "budget_steps", scope: "run", limit: 25, used: 5 });
    expect(recursionBreach(8, 0)).toMatchObject({ reason: "budget_steps", used: 0 });
  });
});
