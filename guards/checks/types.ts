/**
 * The one interface every guard layer implements. `createGuards` runs a list of these in order
 * (combine.ts), so adding or removing a layer is a change to the list, never to the graph nodes.
 */
import type { NormalizedText } from "../normalize.js";
import type { Evidence, TextSurface } from "../types.js";

export interface CheckInput {
  /** The text exactly as received. */
  text: string;
  /** `normalizeText(text)`, computed once per text and shared by every check. */
  normalized: NormalizedText;
  surface: TextSurface;
}

export interface CheckResult {
  /** "abstain": no opinion (e.g. not configured for this text); its score is ignored. */
  verdict: "injection" | "benign" | "abstain";
  /** 0..1, higher is more likely an injection. */
  score?: number;
  evidence: Evidence[];
  /**
   * Whether this detection alone may refuse a user. Concrete evidence (a rule, hidden content, a
   * configured phrase) may; a statistical score alone should only flag, as refusals are costly.
   */
  refuse: boolean;
}

export interface GuardCheck {
  /** Stable, short; used to attribute evidence and errors. */
  readonly name: string;
  /** Surfaces it runs on; default: all. */
  readonly surfaces?: readonly TextSurface[];
  /** "if-clean": only when no earlier check detected, so a costly check never runs needlessly. Default "always". */
  readonly when?: "always" | "if-clean";
  /** On a thrown error: "closed" counts as a detection that flags (never refuses); "open" abstains. Default "closed". */
  readonly failMode?: "closed" | "open";
  check(input: CheckInput): CheckResult | Promise<CheckResult>;
}

/** One check's result, attributed, as the combiner collects them. */
export interface CheckOutcome {
  check: string;
  result: CheckResult;
  /** Set when the result stands in for a thrown error (per the check's fail mode). */
  error?: true;
}
