import { z } from "zod";
import { combineOutcomes, decideAction, defaultChecks, runChecks, verdictResult } from "./checks/index.js";
import type { GuardCheck } from "./checks/index.js";
import { normalizeText } from "./normalize.js";
import { redact, redactDeep } from "./pii/index.js";
import type { Evidence, InjectionDetector, InjectionVerdict } from "./types.js";

export { defaultChecks, type GuardCheck } from "./checks/index.js";

export const GuardOptionsSchema = z.object({
  /** What happens to tool output that looks like an injection: delivered and flagged, or withheld. */
  toolOutput: z.enum(["flag", "quarantine"]).default("flag"),
  redaction: z.enum(["redact", "mask", "hash"]).default("redact"),
  /** Key for the `hash` strategy, so hashes are stable within a deployment and not guessable. */
  hashKey: z.string().min(1).optional(),
  /**
   * User input is refused when a rule or hidden-content signal fired. A detection resting on the
   * statistical model alone is flagged and answered, unless its score reaches this (unset: never
   * refused on the model's word). Held-out sources showed why: benign persona prompts score high
   * on a model that learnt persona wording from role-play jailbreaks (70% refused at 0.8).
   */
  blockScore: z.number().min(0).max(1).optional(),
});
export type GuardOptions = z.input<typeof GuardOptionsSchema>;

export interface InputCheck {
  /** The message with invisible and smuggling characters removed: what the model should read. */
  clean: string;
  verdict: InjectionVerdict;
  action: "allow" | "flag" | "block";
  /** Every check's findings, attributed (the same as `verdict.evidence`). */
  evidence?: Evidence[];
}

/**
 * Refusing a user is costly, so a refusal needs more than a statistical score: strong rule or
 * hidden-content evidence (`strongEvidence`), or a score at `blockScore` when one is set. Pure,
 * for unit tests.
 */
export function inputAction(verdict: InjectionVerdict, blockScore: number | undefined): InputCheck["action"] {
  // The combiner's rule, applied to one detector's verdict: one place decides what refuses.
  return decideAction([{ check: "verdict", result: verdictResult("verdict", verdict) }], blockScore);
}

/** The guards as the graph uses them: one object, injected, no globals. */
export interface Guards {
  readonly toolOutputPolicy: "flag" | "quarantine";
  checkInput(text: string): Promise<InputCheck>;
  checkToolOutput(text: string): Promise<InjectionVerdict>;
  redactText: (text: string) => string;
}

/** The guard layers to run, in order; see `defaultChecks` and guards/checks/types.ts. */
export interface GuardLayers {
  checks: readonly GuardCheck[];
}

/**
 * The second argument is either the layers, or (the older form) just a second-opinion classifier
 * added to the default layers. Either way rules and the local model decide first and a classifier
 * is consulted only for text they let through.
 */
export function createGuards(options: GuardOptions = {}, layers?: GuardLayers | InjectionDetector): Guards {
  const settings = GuardOptionsSchema.parse(options);
  const checks =
    layers && "checks" in layers ? [...layers.checks] : defaultChecks(layers ? { classifier: layers } : {});
  return {
    toolOutputPolicy: settings.toolOutput,
    async checkInput(text) {
      const normalized = normalizeText(text);
      const found = await runChecks(checks, text, "user", normalized);
      const verdict = combineOutcomes(found);
      return {
        clean: normalized.clean,
        verdict,
        action: decideAction(found, settings.blockScore),
        evidence: verdict.evidence,
      };
    },
    checkToolOutput: async (text) => combineOutcomes(await runChecks(checks, text, "untrusted")),
    redactText: (text) =>
      redact(text, { strategy: settings.redaction, ...(settings.hashKey ? { hashKey: settings.hashKey } : {}) }).text,
  };
}

/**
 * The redactor for log records and trace payloads, with the same strategy as answers; `keep` lists
 * values never replaced (the server's own listen address).
 */
export function createRedactor(options: GuardOptions = {}, keep: readonly string[] = []): (value: unknown) => unknown {
  const settings = GuardOptionsSchema.parse(options);
  return (value) =>
    redactDeep(value, {
      strategy: settings.redaction,
      ...(settings.hashKey ? { hashKey: settings.hashKey } : {}),
      ...(keep.length > 0 ? { keep } : {}),
    });
}
