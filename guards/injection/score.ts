/**
 * How model and rule evidence combine into one score, the same on both surfaces: the model's
 * log-odds (for untrusted text, those of its most suspicious run of words: see `windows.ts`) plus
 * the rule evidence. Untrusted text once had its own mix (a prior of -3 and a quarter of the
 * model's suspicion) because documents looked nothing like the chat prompts the model learnt from;
 * that left tool output scored by rules alone (held-out recall 0.21 on injected tool output).
 * Training now includes benign documents, and the windows find a planted order without the
 * document diluting it.
 */
import { sigmoid } from "./train.js";

/** Rule evidence saturates: ten matching rules are not ten times the proof of one. */
export const MAX_EVIDENCE = 10;

/**
 * The model's doubt counts down to this and no further. On sources it never learnt from, its
 * log-odds for injections that rules caught were often -3 or lower and cancelled the rules: held
 * out one source at a time, rules alone found 32% of injections with 0.1% of benign rows flagged,
 * and the model added to rules found fewer. A text with no rule evidence still scores at most
 * what the model says, and sigmoid(-1) = 0.27 is under every threshold training chose. Without a
 * model (rules only, a degraded mode) the floor stands in for it.
 */
export const MODEL_FLOOR = -1;

/** Score in 0..1 from the model's log-odds (undefined: rules only) and the rule evidence. */
export function combineScore(modelLogit: number | undefined, evidence: number): number {
  const capped = Math.min(evidence, MAX_EVIDENCE);
  return sigmoid(Math.max(MODEL_FLOOR, modelLogit ?? MODEL_FLOOR) + capped);
}
