import type { TurnOutcome } from "../app/turn.js";
import type { Usage } from "../runtime/usage.js";

export function formatUsage(run: Usage, thread: Usage): string {
  const tokens = run.inputTokens + run.outputTokens;
  return `· ${run.steps} step(s) · ${run.toolCalls} tool call(s) · ${tokens} tokens (${run.inputTokens} in, ${run.outputTokens} out) · $${run.costUsd.toFixed(6)} · thread total $${thread.costUsd.toFixed(6)}`;
}

/** The machine-readable result of `--json`. */
export function outcomeJson(outcome: TurnOutcome): string {
  return JSON.stringify(outcome);
}
