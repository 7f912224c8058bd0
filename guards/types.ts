/**
 * Contracts shared by the guards. Guards are pure, model-free and fast; the optional LLM
 * classifier implements the same `InjectionDetector` shape.
 */

/** Where text comes from: users type instructions; tool output and documents are only data. */
export type TextSurface = "user" | "untrusted";

export interface InjectionVerdict {
  label: "injection" | "benign";
  /** 0..1, higher is more likely an injection. */
  score: number;
  /** Human-readable evidence, e.g. "rule:ignore-previous", "hidden:tag-characters". */
  reasons: string[];
  /** The same findings, structured and attributed to the check that made them (guards/checks). */
  evidence?: Evidence[];
  /**
   * Log-odds the rules and hidden-content findings added, when the detector reports them. A
   * refusal needs `REFUSE_EVIDENCE` of it: one strong rule, or several weak ones together.
   */
  ruleEvidence?: number;
}

/** One finding of one guard check; `reason` is what `InjectionVerdict.reasons` lists. */
export interface Evidence {
  /** Name of the check that produced it. */
  check: string;
  reason: string;
  detail?: string;
}

export interface InjectionDetector {
  detect(text: string, surface: TextSurface): InjectionVerdict | Promise<InjectionVerdict>;
}

export const PII_TYPES = ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "SECRET"] as const;
export type PiiType = (typeof PII_TYPES)[number];

/** A detected span: `text.slice(start, end)` is the sensitive value. */
export interface PiiSpan {
  start: number;
  end: number;
  type: PiiType;
}

export type RedactionStrategy = "redact" | "mask" | "hash";
