import { UsageSchema, type Usage } from "./usage.js";

/**
 * Facts about an agent run read from LangChain callback data (run names, metadata, node inputs and
 * updates), shared by the step logger and the LangSmith tracer. Values arrive untyped, so every
 * reader tolerates shapes that are not Keel's graph state and then reports nothing.
 */

type KVMap = Record<string, unknown>;

const isRecord = (value: unknown): value is KVMap => typeof value === "object" && value !== null;

/**
 * The graph node a run executes, or undefined for everything else. LangGraph names a node's task
 * run after the node and stamps `langgraph_node` on it and on all runs inside it (edges, model
 * calls), so the name must match too. `__start__` and other internal nodes are not steps.
 */
export function stepNode(runName: string | undefined, metadata: KVMap | undefined): string | undefined {
  const node = metadata?.langgraph_node;
  if (typeof node !== "string" || node !== runName || node.startsWith("__")) return undefined;
  return node;
}

/** `state.runUsage` when the value carries one. */
export function runUsageOf(state: unknown): Usage | undefined {
  if (!isRecord(state) || !isRecord(state.runUsage)) return undefined;
  const parsed = UsageSchema.safeParse(state.runUsage);
  return parsed.success ? parsed.data : undefined;
}

export interface StepSpend {
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/**
 * What a step spent: its update's `runUsage` minus the state's before it. Nodes that record usage
 * return the new running total, so no node reports its own spend. Steps that spent no tokens
 * report nothing, and neither does the reset at the start of a run (the difference is negative).
 */
export function stepSpend(input: unknown, update: unknown): StepSpend | undefined {
  const before = runUsageOf(input);
  const after = runUsageOf(update);
  if (!before || !after) return undefined;
  const spend = {
    input_tokens: after.inputTokens - before.inputTokens,
    output_tokens: after.outputTokens - before.outputTokens,
    // Same 1e-9 USD rounding as addUsage, so differences of sums don't show float noise.
    cost_usd: Math.round((after.costUsd - before.costUsd) * 1e9) / 1e9,
  };
  if (spend.input_tokens < 0 || spend.output_tokens < 0 || spend.cost_usd < 0) return undefined;
  return spend.input_tokens + spend.output_tokens > 0 || spend.cost_usd > 0 ? spend : undefined;
}

/** The stop reason a node's update sets, if any. */
export function stopReasonOf(update: unknown): string | undefined {
  return isRecord(update) && typeof update.stopReason === "string" ? update.stopReason : undefined;
}

/**
 * The kinds of guard flag a node's update adds, as `surface:action` ("user:blocked",
 * "untrusted:flagged"…). State keeps the thread's flags, so a run's flags are its updates' flags.
 */
export function guardFlagKinds(update: unknown): string[] {
  if (!isRecord(update) || !Array.isArray(update.guardFlags)) return [];
  return update.guardFlags.flatMap((flag) =>
    isRecord(flag) && typeof flag.surface === "string" && typeof flag.action === "string"
      ? [`${flag.surface}:${flag.action}`]
      : [],
  );
}

/** End-of-run facts for a trace's metadata: empty when the final value is not the agent's state. */
export function runSummary(finalState: unknown, flagKinds: readonly string[]): KVMap {
  const usage = runUsageOf(finalState);
  if (!usage || !isRecord(finalState)) return {};
  return {
    cost_usd: usage.costUsd,
    total_tokens: usage.inputTokens + usage.outputTokens,
    // A run that ends without a stop reason never reached finalize: it paused for approval.
    stop_reason: stopReasonOf(finalState) ?? "interrupted",
    guard_flags: flagKinds.length,
    guard_flag_kinds: [...new Set(flagKinds)].sort(),
  };
}
