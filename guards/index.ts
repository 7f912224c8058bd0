import { z } from "zod";
import { injectionDetector } from "./injection/index.js";
import { normalizeText } from "./normalize.js";
import { redact, redactDeep } from "./pii/index.js";
import type { InjectionDetector, InjectionVerdict, TextSurface } from "./types.js";

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
}

/**
 * Refusing a user is costly, so a refusal needs more than a statistical score: a rule or
 * hidden-content signal, or a score at `blockScore` when one is set. Pure, for unit tests.
 */
export function inputAction(verdict: InjectionVerdict, blockScore: number | undefined): InputCheck["action"] {
  if (verdict.label !== "injection") return "allow";
  const onlyModel = verdict.reasons.every((r) => r.startsWith("model:"));
  return !onlyModel || (blockScore !== undefined && verdict.score >= blockScore) ? "block" : "flag";
}

/** The guards as the graph uses them: one object, injected, no globals. */
export interface Guards {
  readonly toolOutputPolicy: "flag" | "quarantine";
  checkInput(text: string): Promise<InputCheck>;
  checkToolOutput(text: string): Promise<InjectionVerdict>;
  redactText: (text: string) => string;
}

/**
 * Rules and the local model decide first; an optional LLM classifier is consulted only for text
 * they let through, so a flagged text never waits for a model and a clean one gets a second look.
 */
export function createGuards(options: GuardOptions = {}, classifier?: InjectionDetector): Guards {
  const settings = GuardOptionsSchema.parse(options);
  const detect = async (text: string, surface: TextSurface): Promise<InjectionVerdict> => {
    const local = await injectionDetector.detect(text, surface);
    if (local.label === "injection" || !classifier) return local;
    const second = await classifier.detect(text, surface);
    return second.label === "injection" ? { ...second, reasons: [...local.reasons, ...second.reasons] } : local;
  };
  return {
    toolOutputPolicy: settings.toolOutput,
    async checkInput(text) {
      const verdict = await detect(text, "user");
      return { clean: normalizeText(text).clean, verdict, action: inputAction(verdict, settings.blockScore) };
    },
    checkToolOutput: (text) => detect(text, "untrusted"),
    redactText: (text) =>
      redact(text, { strategy: settings.redaction, ...(settings.hashKey ? { hashKey: settings.hashKey } : {}) }).text,
  };
}

/** The redactor for log records and trace payloads, with the same strategy as answers. */
export function createRedactor(options: GuardOptions = {}): (value: unknown) => unknown {
  const settings = GuardOptionsSchema.parse(options);
  return (value) =>
    redactDeep(value, { strategy: settings.redaction, ...(settings.hashKey ? { hashKey: settings.hashKey } : {}) });
}
