/**
 * The optional LLM classifier (`createLlmClassifier` in guards/llm-classifier.ts) as a check.
 * "if-clean": asked only about text the earlier checks let through, so a detected text never waits
 * for, or pays for, a model call. Takes the built classifier, so guards never load a model client.
 */
import type { InjectionDetector } from "../types.js";
import { detectorCheck } from "./detector.js";
import type { GuardCheck } from "./types.js";

export const LLM_CHECK = "llm-classifier";

/**
 * The classifier handles its own outages per its fail mode, as before (fail-closed detects, and
 * its `llm:` reason may refuse); the combiner's default fail mode covers only a detector that throws.
 */
export function llmClassifierCheck(classifier: InjectionDetector): GuardCheck {
  return detectorCheck(LLM_CHECK, classifier, { when: "if-clean" });
}
