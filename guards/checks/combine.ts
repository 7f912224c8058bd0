/**
 * The combiner: runs the checks in order, collects every check's evidence and decides one verdict
 * and one action. `runChecks` is the only part that awaits; `combineOutcomes` and `decideAction`
 * are pure.
 */
import { normalizeText } from "../normalize.js";
import type { Evidence, InjectionVerdict, TextSurface } from "../types.js";
import type { CheckInput, CheckOutcome, CheckResult, GuardCheck } from "./types.js";

/** Runs the applicable checks in list order; an "if-clean" check is skipped once one detected. */
export async function runChecks(
  checks: readonly GuardCheck[],
  text: string,
  surface: TextSurface,
  normalized = normalizeText(text),
): Promise<CheckOutcome[]> {
  const input: CheckInput = { text, normalized, surface };
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    if (check.surfaces && !check.surfaces.includes(surface)) continue;
    if (check.when === "if-clean" && outcomes.some((o) => o.result.verdict === "injection")) continue;
    outcomes.push(await runOne(check, input));
  }
  return outcomes;
}

async function runOne(check: GuardCheck, input: CheckInput): Promise<CheckOutcome> {
  try {
    return { check: check.name, result: await check.check(input) };
  } catch (err) {
    return { check: check.name, result: failed(check, err), error: true };
  }
}

/** A broken check must not crash the run; closed still raises a flag, but never refuses a user. */
function failed(check: GuardCheck, err: unknown): CheckResult {
  const mode = check.failMode ?? "closed";
  const detail = err instanceof Error ? err.message : String(err);
  return {
    verdict: mode === "closed" ? "injection" : "abstain",
    evidence: [{ check: check.name, reason: `${check.name}:error (fail-${mode})`, detail }],
    refuse: false,
  };
}

/**
 * One verdict: an injection when any check detected; score is the highest score among detecting
 * checks (1 for a detection that gave none), else among all that gave an opinion; reasons and
 * evidence are every check's, in order.
 */
export function combineOutcomes(outcomes: readonly CheckOutcome[]): InjectionVerdict & { evidence: Evidence[] } {
  const evidence = outcomes.flatMap((o) => o.result.evidence);
  const detecting = outcomes.filter((o) => o.result.verdict === "injection");
  const scored = detecting.length > 0 ? detecting : outcomes.filter((o) => o.result.verdict !== "abstain");
  const fallback = detecting.length > 0 ? 1 : 0;
  const score = Math.max(0, ...scored.map((o) => o.result.score ?? fallback));
  return {
    label: detecting.length > 0 ? "injection" : "benign",
    score,
    reasons: evidence.map((e) => e.reason),
    evidence,
  };
}

/**
 * Refusing a user needs a detecting check that says it may refuse, or a score a check reported at
 * `blockScore` (unset: never on a score alone). A detection standing in for an error only flags.
 */
export function decideAction(
  outcomes: readonly CheckOutcome[],
  blockScore: number | undefined,
): "allow" | "flag" | "block" {
  const detecting = outcomes.filter((o) => o.result.verdict === "injection");
  if (detecting.length === 0) return "allow";
  const refuses = detecting.some(
    (o) =>
      !o.error &&
      (o.result.refuse || (blockScore !== undefined && o.result.score !== undefined && o.result.score >= blockScore)),
  );
  return refuses ? "block" : "flag";
}
