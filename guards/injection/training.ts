/**
 * The training pipeline shared by the train and eval scripts and the tests: parse rows, hold out
 * a fixed stratified test split, get out-of-fold scores on the training split by k-fold cross
 * validation, pick each surface's threshold on those validation scores, then fit the final
 * weights on the whole training split. The test rows are never seen here.
 */
import { z } from "zod";
import { normalizeText } from "../normalize.js";
import type { TextSurface } from "../types.js";
import { gatherEvidence } from "./evidence.js";
import { featureVector, type SparseVector } from "./features.js";
import { figures, type Figures } from "./metrics.js";
import {
  encodeWeights,
  MODEL_FORMAT,
  modelLogit,
  quantizeWeights,
  round,
  type InjectionModel,
  type ModelFile,
} from "./model.js";
import { combineScore } from "./score.js";
import { stratifiedFolds, stratifiedSplit } from "./split.js";
import { syntheticConversation, syntheticWeight } from "./synthetic.js";
import { sigmoid, trainLogistic, type FtrlOptions } from "./train.js";

export const InjectionRowSchema = z.object({
  id: z.string(),
  source: z.string(),
  text: z.string(),
  label: z.enum(["injection", "benign"]),
  vector: z.enum(["direct", "indirect"]),
  category: z.string().default(""),
});
export type InjectionRow = z.infer<typeof InjectionRowSchema>;

/** One JSON object per line; blank lines skipped; a bad line fails with its line number. */
export function parseRows(jsonl: string): InjectionRow[] {
  const rows: InjectionRow[] = [];
  jsonl.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const parsed = InjectionRowSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`line ${i + 1}: ${parsed.error.issues.map((x) => x.message).join("; ")}`);
    rows.push(parsed.data);
  });
  return rows;
}

/** Direct text is what a user types; indirect text is content an agent reads. */
export function surfaceOf(row: Pick<InjectionRow, "vector">): TextSurface {
  return row.vector === "direct" ? "user" : "untrusted";
}

export interface TrainingOptions {
  seed: number;
  testFraction: number;
  folds: number;
  /** Cross-validation repeated with this many fold assignments, scores pooled: a steadier threshold. */
  repeats: number;
  bits: number;
  ftrl: FtrlOptions;
  /** Threshold targets on validation scores: benign FPR per surface, and FPR on over-defense rows. */
  maxFpr: number;
  maxOverDefenseFpr: number;
  /** Source whose benign rows are full of trigger words (the over-defense test). */
  overDefenseSource: string;
  /** Synthetic conversational hard negatives added to every training fold (0 for none). */
  synthetic: number;
}

export const DEFAULT_TRAINING: TrainingOptions = {
  seed: 1337,
  testFraction: 0.3,
  folds: 10,
  repeats: 3,
  bits: 18,
  ftrl: { alpha: 0.5, beta: 1, l1: 0.2, l2: 1, epochs: 12, seed: 7 },
  // Validation recall is flat from 0.035 to 0.05 FPR (0.942 to 0.945 with position features):
  // 0.035 keeps about 1.5 standard errors of margin below the 0.05 target on a test split of a
  // few hundred benign rows, for 0.002 of recall.
  maxFpr: 0.035,
  maxOverDefenseFpr: 0.08,
  overDefenseSource: "notinject",
  synthetic: 300,
};

export interface PreparedRow {
  row: InjectionRow;
  surface: TextSurface;
  folded: string;
  hiddenFolded: string[];
  evidence: number;
  x: SparseVector;
}

export function prepareRows(rows: readonly InjectionRow[], bits: number): PreparedRow[] {
  return rows.map((row) => {
    const surface = surfaceOf(row);
    const normalized = normalizeText(row.text);
    const evidence = gatherEvidence(row.text, normalized, surface);
    return {
      row,
      surface,
      folded: normalized.folded,
      hiddenFolded: evidence.hiddenFolded,
      evidence: evidence.logit,
      x: featureVector(normalized.folded, bits),
    };
  });
}

/** Trains and quantizes: validation scores come from the same 8-bit form that ships. */
function fit(rows: readonly PreparedRow[], options: TrainingOptions): InjectionModel {
  const examples = rows.map((p) => ({
    x: p.x,
    y: p.row.label === "injection" ? (1 as const) : (0 as const),
    weight: syntheticWeight(p.row),
  }));
  return quantizeWeights(trainLogistic(examples, 1 << options.bits, options.ftrl), options.bits);
}

/** The detector's model term: the most suspicious of the text and its decoded hidden payloads. */
export function rowLogit(model: InjectionModel, row: Pick<PreparedRow, "folded" | "hiddenFolded">): number {
  let logit = modelLogit(model, row.folded);
  for (const hidden of row.hiddenFolded) logit = Math.max(logit, modelLogit(model, hidden));
  return logit;
}

export interface ScoredRow {
  row: InjectionRow;
  surface: TextSurface;
  score: number;
}

/**
 * Out-of-fold scores: each training row scored by a model that never saw it, once per repeat (a
 * different fold assignment each time). `extra` rows join every fold's training part and are
 * never scored.
 */
export function crossValidate(
  train: readonly PreparedRow[],
  options: TrainingOptions,
  extra: readonly PreparedRow[] = [],
): ScoredRow[] {
  const scored: ScoredRow[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const folds = stratifiedFolds(
      train.map((p) => p.row),
      options.seed + 1 + repeat,
      options.folds,
    );
    for (let fold = 0; fold < options.folds; fold++) {
      const model = fit([...train.filter((p) => folds.get(p.row.id) !== fold), ...extra], options);
      for (const p of train.filter((q) => folds.get(q.row.id) === fold)) {
        scored.push({ row: p.row, surface: p.surface, score: combineScore(rowLogit(model, p), p.evidence, p.surface) });
      }
    }
  }
  return scored;
}

/**
 * Threshold for one surface from validation scores: the best recall whose benign FPR (and FPR on
 * the over-defense source) stays within the targets and, for that recall, the fewest false
 * positives; placed midway (in log-odds) between the lowest flagged score and the next score
 * below, so small score drifts on new data do not flip the rows at the edge.
 */
export function chooseThreshold(scored: readonly ScoredRow[], options: TrainingOptions): number {
  const benign = scored.filter((s) => s.row.label === "benign");
  const overDefense = benign.filter((s) => s.row.source === options.overDefenseSource);
  const injections = scored.filter((s) => s.row.label === "injection");
  const count = (rows: readonly ScoredRow[], t: number): number => rows.filter((s) => s.score >= t).length;
  const scores = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  let best: { t: number; tp: number; fp: number } | undefined;
  for (const t of scores) {
    const fp = count(benign, t);
    const fpr = fp / Math.max(1, benign.length);
    const od = count(overDefense, t) / Math.max(1, overDefense.length);
    if (fpr > options.maxFpr || od > options.maxOverDefenseFpr) continue;
    const tp = count(injections, t);
    if (best === undefined || tp > best.tp || (tp === best.tp && fp < best.fp)) best = { t, tp, fp };
  }
  if (best === undefined) return 0.99;
  // Thresholds in (next lower score, chosen score] flag the same rows: take the middle, in log-odds.
  const chosen = best.t;
  const lower = scores.filter((s) => s < chosen).at(-1);
  if (lower === undefined) return Math.max(0.01, chosen / 2);
  return Math.min(0.99, Math.max(0.01, sigmoid((logit(lower) + logit(chosen)) / 2)));
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
}

export interface TrainingResult {
  file: ModelFile;
  /** Validation (out-of-fold) figures per surface at the chosen thresholds. */
  validation: Record<TextSurface, Figures>;
  validationScores: ScoredRow[];
}

export function trainInjectionModel(
  rows: readonly InjectionRow[],
  options: TrainingOptions,
  provenance: { data: string; dataSha256: string },
): TrainingResult {
  const { train } = stratifiedSplit(rows, options.seed, options.testFraction);
  const prepared = prepareRows(train, options.bits);
  const synthetic = prepareRows(syntheticConversation(options.synthetic), options.bits);
  const validationScores = crossValidate(prepared, options, synthetic);
  const thresholds = { user: 0, untrusted: 0 };
  const validation = {} as Record<TextSurface, Figures>;
  for (const surface of ["user", "untrusted"] as const) {
    const scored = validationScores.filter((s) => s.surface === surface);
    thresholds[surface] = round(chooseThreshold(scored, options), 4);
    validation[surface] = figures(scored.map((s) => ({ label: s.row.label, flagged: s.score >= thresholds[surface] })));
  }
  const final = fit([...prepared, ...synthetic], options);
  const file: ModelFile = {
    format: MODEL_FORMAT,
    bits: options.bits,
    ...encodeWeights(final),
    thresholds,
    training: {
      data: provenance.data,
      dataSha256: provenance.dataSha256,
      rows: rows.length,
      trainRows: train.length,
      seed: options.seed,
      testFraction: options.testFraction,
      folds: options.folds,
      repeats: options.repeats,
      options: { ...options.ftrl },
      targets: { maxFpr: options.maxFpr, maxOverDefenseFpr: options.maxOverDefenseFpr },
      synthetic: synthetic.length,
    },
  };
  return { file, validation, validationScores };
}
