/**
 * Evidence for one text on one surface: rules over the folded text, hidden-content findings from
 * normalization, rules over decoded hidden payloads (with a bonus: encoding an instruction shows
 * intent), a bonus when a rule only matched once a disguise was undone, and, given a model, its
 * log-odds for the most suspicious of the text and its payloads (from the same scans as the rules).
 */
import { foldText } from "../normalize-fold.js";
import type { NormalizedText } from "../normalize.js";
import type { TextSurface } from "../types.js";
import type { InjectionModel } from "./model.js";
import { DISGUISE_BONUS, FINDING_WEIGHTS, HIDDEN_RULE_BONUS, matchRules, scoreText, type RuleHit } from "./rules.js";

export interface Evidence {
  /** Sum of rule and finding weights, in log-odds. */
  logit: number;
  reasons: string[];
  /** Folded hidden payloads, for the model to score as well. */
  hiddenFolded: string[];
  /** The model's log-odds: the maximum over the text and its hidden payloads; undefined without one. */
  modelLogit: number | undefined;
}

/** Findings about visible but disguised letters (the others are about invisible content). */
const LOOKALIKE = new Set(["homoglyphs", "combining_marks"]);
/** Findings that only change spelling; a rule matching only after undoing them was disguised. */
const DISGUISES = new Set(["homoglyphs", "spaced_letters", "leetspeak", "zero_width", "styled_letters"]);
/**
 * The disguise check scans the text a second time; past this size it is skipped (the rules
 * themselves still match on the folded text, only the bonus is lost).
 */
const MAX_DISGUISE_CHECK = 100_000;

export function gatherEvidence(
  text: string,
  normalized: NormalizedText,
  surface: TextSurface,
  model: InjectionModel | null = null,
): Evidence {
  const reasons: string[] = [];
  let logit = 0;
  const add = (reason: string, weight: number): void => {
    if (weight <= 0) return;
    reasons.push(reason);
    logit += weight;
  };

  const { hits, modelLogit: textLogit } = scoreText(normalized.folded, normalized.clean, surface, model);
  let modelLogit = textLogit;
  for (const hit of hits) add(`rule:${hit.id}`, hit.weight);

  for (const finding of normalized.findings) {
    const spec = FINDING_WEIGHTS[finding.kind];
    if (spec !== undefined && finding.count >= spec.min) {
      const prefix = LOOKALIKE.has(finding.kind) ? "obfuscation" : "hidden";
      add(`${prefix}:${finding.kind.replace(/_/g, "-")}`, spec.weight[surface]);
    }
  }

  if (hits.length > 0 && text.length <= MAX_DISGUISE_CHECK && normalized.findings.some((f) => DISGUISES.has(f.kind))) {
    // Only rules that need the folded form: compare with the text merely lowercased.
    const plain = text.toLowerCase().replace(/\s{2,}|[^\S ]/g, " ");
    const plainHits = new Set(matchRules(plain, text, surface).map((h) => h.id));
    for (const hit of hits) if (!plainHits.has(hit.id)) add(`disguised:${hit.id}`, DISGUISE_BONUS);
  }

  const hiddenFolded: string[] = [];
  const hiddenHits = new Map<string, RuleHit>();
  for (const payload of normalized.hidden) {
    const folded = foldText(payload).folded;
    hiddenFolded.push(folded);
    const scored = scoreText(folded, payload, surface, model);
    for (const hit of scored.hits) hiddenHits.set(hit.id, hit);
    if (scored.modelLogit !== undefined) modelLogit = Math.max(modelLogit ?? -Infinity, scored.modelLogit);
  }
  for (const hit of hiddenHits.values()) {
    if (hit.weight > 0) add(`hidden-rule:${hit.id}`, hit.weight + HIDDEN_RULE_BONUS);
  }

  return { logit, reasons, hiddenFolded, modelLogit };
}
