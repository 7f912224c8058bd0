/**
 * How model and rule evidence combine into one score. On the user surface the model is trained
 * for exactly that kind of text and counts in full. Untrusted documents (tables, code, mail) look
 * nothing like the chat prompts it learnt from, so there it may add suspicion but never vouch for
 * a document, and a prior keeps plain data well below any threshold. Its suspicion counts for
 * little there: the documents it learnt from come as a clean copy plus copies with an attack
 * inserted, so it also learns the documents themselves, and on validation folds a clean copy
 * whose attacked siblings were in training drew model log-odds up to 5; at half weight two such
 * documents crossed the threshold, at a quarter none did, with the same recall.
 */
import type { TextSurface } from "../types.js";
import { sigmoid } from "./train.js";

interface Mix {
  prior: number;
  modelWeight: number;
  positiveOnly: boolean;
}

export const MIX: Record<TextSurface, Mix> = {
  user: { prior: 0, modelWeight: 1, positiveOnly: false },
  untrusted: { prior: -3, modelWeight: 0.25, positiveOnly: true },
};

/** Rule evidence saturates: ten matching rules are not ten times the proof of one. */
export const MAX_EVIDENCE = 10;
/**
 * Without a model (rules only) the prior stands in for the model's bias on both surfaces, so
 * plain text scores low and one strong rule is enough. Thresholds are tuned with the model;
 * rules alone are a degraded mode.
 */
export const RULES_ONLY_PRIOR = -3;

/** Score in 0..1 from the model's log-odds (undefined: rules only) and the rule evidence. */
export function combineScore(modelLogit: number | undefined, evidence: number, surface: TextSurface): number {
  const capped = Math.min(evidence, MAX_EVIDENCE);
  if (modelLogit === undefined) return sigmoid(RULES_ONLY_PRIOR + capped);
  const mix = MIX[surface];
  const model = mix.positiveOnly ? Math.max(0, modelLogit) : modelLogit;
  return sigmoid(mix.prior + mix.modelWeight * model + capped);
}
