/**
 * Adapter from the older `InjectionDetector` shape (one verdict with string reasons) to a check,
 * so the local guard, the LLM classifier and any detector a forker has keep working unchanged.
 */
import type { InjectionDetector, InjectionVerdict } from "../types.js";
import type { CheckResult, GuardCheck } from "./types.js";

/** Reasons from the statistical model alone are prefixed so; everything else is concrete evidence. */
export const MODEL_REASON_PREFIX = "model:";

/** A rule, hidden-content or classifier reason, i.e. more than a statistical score. */
export function hasConcreteEvidence(reasons: readonly string[]): boolean {
  return reasons.some((r) => !r.startsWith(MODEL_REASON_PREFIX));
}

/**
 * Rule evidence (log-odds) that may refuse a user: one strong rule ("ignore all previous
 * instructions" 3.5, a jailbreak persona 2.5) or weak ones together. Weak rules alone (a persona
 * asked to "stay in character" 0.8, "your output" 0.3) fire on benign persona and system prompts:
 * refusing on them refused 3-6% of such prompts from sources the guard never learnt from.
 */
export const REFUSE_EVIDENCE = 2.5;

/**
 * Whether a detection has the evidence to refuse a user: enough rule evidence when the detector
 * reports it, else any reason beyond a statistical score (an LLM classifier's verdict).
 */
export function strongEvidence(verdict: InjectionVerdict): boolean {
  if (verdict.ruleEvidence !== undefined) return verdict.ruleEvidence >= REFUSE_EVIDENCE;
  return hasConcreteEvidence(verdict.reasons);
}

export function verdictResult(name: string, verdict: InjectionVerdict): CheckResult {
  const detected = verdict.label === "injection";
  return {
    verdict: verdict.label,
    score: verdict.score,
    evidence: verdict.reasons.map((reason) => ({ check: name, reason })),
    refuse: detected && strongEvidence(verdict),
  };
}

export function detectorCheck(
  name: string,
  detector: InjectionDetector,
  settings: Pick<GuardCheck, "surfaces" | "when" | "failMode"> = {},
): GuardCheck {
  return {
    name,
    ...settings,
    check: async ({ text, surface }) => verdictResult(name, await detector.detect(text, surface)),
  };
}
