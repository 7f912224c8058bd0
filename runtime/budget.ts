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

/**
 * LangGraph ends a run that passes its recursion limit (super-steps per invocation) with an error,
 * whatever Keel's budgets say. One model call leads to at most four super-steps (plan, approve,
 * tools, summarize); around the loop sit guard_input and a first summarize before, and the plan that
 * stops plus finalize after.
 */
const SUPER_STEPS_PER_MODEL_CALL = 4;
const SUPER_STEPS_BEFORE_LOOP = 2;
const SUPER_STEPS_TO_FINISH = 2;
/** A limit of L lets LangGraph run L − 1 node super-steps (measured on 1.4.18: the input counts as one). */
const INPUT_STEP = 1;
/** Without a step or model-call budget the limit is still finite; spend budgets usually stop first. */
const RECURSION_LIMIT_WITHOUT_STEP_BUDGET = 10_000;

/** Model calls a run may make: the tighter of its step and model-call budgets. */
function modelCallCap(run: Budget): number | undefined {
  const caps = [run.steps, run.modelCalls].filter((n): n is number => n !== undefined);
  return caps.length > 0 ? Math.min(...caps) : undefined;
}

/** A recursion limit the run's budgets always reach first, so every run ends in finalize. */
export function recursionLimitFor(run: Budget): number {
  const cap = modelCallCap(run);
  if (cap === undefined) return RECURSION_LIMIT_WITHOUT_STEP_BUDGET;
  return worstCaseSuperSteps(cap) + INPUT_STEP;
}

/** Super-steps a run that makes `modelCalls` model calls can take, at most. */
function worstCaseSuperSteps(modelCalls: number): number {
  return SUPER_STEPS_BEFORE_LOOP + SUPER_STEPS_PER_MODEL_CALL * modelCalls + SUPER_STEPS_TO_FINISH;
}

/**
 * The recursion limit as one more step budget, for a limit Keel did not choose (a caller's
 * `recursion_limit`, a platform default): refuses the next model call when the super-steps it may
 * lead to would not fit, counting conservatively from the run's model calls (an invocation resumed
 * after an approval starts its own count, so this never undercounts).
 */
export function recursionBreach(recursionLimit: number | undefined, modelCallsSoFar: number): BudgetBreach | null {
  if (recursionLimit === undefined) return null;
  if (worstCaseSuperSteps(modelCallsSoFar + 1) + INPUT_STEP <= recursionLimit) return null;
  return {
    reason: "budget_steps",
    scope: "run",
    limit: recursionLimit,
    used: modelCallsSoFar,
    message: `The run's limit of ${recursionLimit} graph steps leaves no room for another model call (${modelCallsSoFar} so far).`,
  };
}
