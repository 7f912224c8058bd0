import { z } from "zod";
import type { Usage } from "./usage.js";

/** Limits for one scope (a run, or a whole thread). Unset means unlimited. */
export const BudgetSchema = z.object({
  steps: z.number().int().min(1).optional(),
  modelCalls: z.number().int().min(1).optional(),
  toolCalls: z.number().int().min(1).optional(),
  /** Input + output tokens. */
  tokens: z.number().int().min(1).optional(),
  usd: z.number().positive().optional(),
  /** Active time: model calls and tool batches, not time spent waiting for a human. */
  wallSeconds: z.number().positive().optional(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export interface Budgets {
  run: Budget;
  thread: Budget;
}

export const BUDGET_STOP_REASONS = [
  "budget_steps",
  "budget_model_calls",
  "budget_tool_calls",
  "budget_tokens",
  "budget_cost",
  "budget_time",
] as const;
export type BudgetStopReason = (typeof BUDGET_STOP_REASONS)[number];

export interface BudgetBreach {
  reason: BudgetStopReason;
  scope: "run" | "thread";
  limit: number;
  used: number;
  message: string;
}

interface Measure {
  key: keyof Budget;
  reason: BudgetStopReason;
  used: (u: Usage) => number;
  label: (n: number) => string;
}

const MEASURES: readonly Measure[] = [
  { key: "usd", reason: "budget_cost", used: (u) => u.costUsd, label: (n) => `$${n.toFixed(4)}` },
  { key: "tokens", reason: "budget_tokens", used: (u) => u.inputTokens + u.outputTokens, label: (n) => `${n} tokens` },
  { key: "wallSeconds", reason: "budget_time", used: (u) => u.elapsedMs / 1000, label: (n) => `${n.toFixed(1)} s` },
  { key: "steps", reason: "budget_steps", used: (u) => u.steps, label: (n) => `${n} steps` },
  { key: "modelCalls", reason: "budget_model_calls", used: (u) => u.modelCalls, label: (n) => `${n} model calls` },
  { key: "toolCalls", reason: "budget_tool_calls", used: (u) => u.toolCalls, label: (n) => `${n} tool calls` },
];

/**
 * The first budget that forbids the next unit of work, or null. Checked before each model call
 * (`next.modelCall`) and before each tool batch (`next.toolCalls` = batch size): a limit of N allows
 * exactly N. Thread budgets come first: they outlive the run. Pure, so it is unit-tested.
 */
export function budgetBreach(
  usage: { run: Usage; thread: Usage },
  budgets: Budgets,
  next: { modelCall?: boolean; toolCalls?: number } = {},
): BudgetBreach | null {
  for (const scope of ["thread", "run"] as const) {
    const budget = budgets[scope];
    for (const measure of MEASURES) {
      const limit = budget[measure.key];
      if (limit === undefined) continue;
      const used = measure.used(usage[scope]);
      // Counters only gate the unit they count, refusing the one that would pass the limit;
      // spend-like measures (cost, tokens, time) stop any further work once reached.
      const adding = unitsAdded(measure.key, next);
      const over = adding === undefined ? used >= limit : adding > 0 && used + adding > limit;
      if (over) {
        return {
          reason: measure.reason,
          scope,
          limit,
          used,
          message: `The ${scope} budget of ${measure.label(limit)} is used up (${measure.label(used)} so far).`,
        };
      }
    }
  }
  return null;
}

function unitsAdded(key: keyof Budget, next: { modelCall?: boolean; toolCalls?: number }): number | undefined {
  if (key === "toolCalls") return next.toolCalls ?? 0;
  if (key === "steps" || key === "modelCalls") return next.modelCall ? 1 : 0;
  return undefined;
}

/** A request's own limits narrow the configured ones; they never widen them. */
export function narrowBudget(base: Budget, override: Budget | undefined): Budget {
  if (!override) return base;
  const out: Budget = { ...base };
  for (const key of Object.keys(override) as (keyof Budget)[]) {
    const value = override[key];
    if (value === undefined) continue;
    const current = base[key];
    out[key] = current === undefined ? value : Math.min(current, value);
  }
  return out;
}
