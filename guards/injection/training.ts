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
import { SYNTHETIC_SOURCE, syntheticConversation, syntheticWeight } from "./synthetic.js";
import { sigmoid, trainLogistic, type FtrlOptions } from "./train.js";

export const InjectionRowSchema = z.object({
  id: z.string(),
  source: z.string(),
  text: z.string(),
  label: z.enum(["injection", "benign"]),
  vector: z.enum(["direct", "indirect"]),
  category: z.string().default(""),
  /** Rows made from one document share a group and are never split apart (see split.ts). */
  group: z.string().optional(),
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
  /** Threshold targets on validation scores: benign FPR over all benign rows, and per benign source. */
  maxFpr: number;
  maxSourceFpr: number;
  /** Synthetic conversational hard negatives added to every training fold (0 for none). */
  synthetic: number;
  /** Weigh rows so each (source, label) cell counts alike (see `sourceWeights`). */
  balanceSources: boolean;
}

export const DEFAULT_TRAINING: TrainingOptions = {
  seed: 1337,
  testFraction: 0.3,
  // Five folds once: the inner cross-validation only places the threshold, and with a dozen
  // sources of data a leave-one-source-out run trains each group's model in minutes, not an hour.
  folds: 5,
  repeats: 1,
  bits: 18,
  ftrl: { alpha: 0.5, beta: 1, l1: 0.2, l2: 1, epochs: 12, seed: 7 },
  // Validation recall is flat from 0.035 to 0.05 FPR (0.942 to 0.945 with position features):
  // 0.035 keeps about 1.5 standard errors of margin below the 0.05 target on a test split of a
  // few hundred benign rows, for 0.002 of recall.
  maxFpr: 0.035,
  // Every benign source within 4% on validation, for a target of 5% on sources never seen: a
  // threshold held to the pooled rate alone drifted low whenever the benign rows left in
  // training were easy ones (documentation, encyclopedia text), and flagged the next kind of
  // benign text it met.
  maxSourceFpr: 0.04,
  synthetic: 300,
  balanceSources: true,
};

export interface PreparedRow {
  row: InjectionRow;
  surface: TextSurface;
  folded: string;
  hiddenFolded: string[];
  evidence: number;
  /** Features of the text as the detector sees it: what validation scores. */
  x: SparseVector;
  /** Features to learn from, when they differ from `x` (see `insertedText`). */
  trainX?: SparseVector;
}

/**
 * The part of `attacked` that is not in `clean`: the text between their common prefix and common
 * suffix. An attacked copy of a document is the clean copy plus an inserted attack; learning from
 * the whole copy as "injection" would teach that the document's own words (an invoice, a code
 * answer) are an attack, and the untrusted surface, scored by windows (windows.ts), would then flag
 * the clean copy's windows. Undefined when the difference is too short to be an attack.
 */
const WORD = /[\p{L}\p{N}]/u;

export function insertedText(attacked: string, clean: string): string | undefined {
  let start = 0;
  const limit = Math.min(attacked.length, clean.length);
  while (start < limit && attacked[start] === clean[start]) start++;
  let end = 0;
  while (end < limit - start && attacked[attacked.length - 1 - end] === clean[clean.length - 1 - end]) end++;
  // A cut inside a word is ambiguous ("Ignore …" inserted before "Invoice" shares its "I"): move
  // each cut back to the start of that word, so the attack and the document keep whole words.
  let stop = attacked.length - end;
  const inWord = (at: number): boolean =>
    at > 0 && at < attacked.length && WORD.test(attacked[at - 1]!) && WORD.test(attacked[at]!);
  while (inWord(start)) start--;
  while (stop > start && inWord(stop)) stop--;
  const inserted = attacked.slice(start, stop).trim();
  return inserted.length >= 12 ? inserted : undefined;
}

export function prepareRows(rows: readonly InjectionRow[], bits: number): PreparedRow[] {
  const cleanCopy = new Map<string, string>();
  for (const row of rows) if (row.group !== undefined && row.label === "benign") cleanCopy.set(row.group, row.text);
  return rows.map((row) => {
    const surface = surfaceOf(row);
    const normalized = normalizeText(row.text);
    const evidence = gatherEvidence(row.text, normalized, surface);
    const clean = row.group === undefined || row.label === "benign" ? undefined : cleanCopy.get(row.group);
    const inserted = clean === undefined ? undefined : insertedText(row.text, clean);
    return {
      row,
      surface,
      folded: normalized.folded,
      hiddenFolded: evidence.hiddenFolded,
      evidence: evidence.logit,
      x: featureVector(normalized.folded, bits),
      ...(inserted === undefined ? {} : { trainX: featureVector(normalizeText(inserted).folded, bits) }),
    };
  });
}

/**
 * Row weights that give every (source, label) cell the same total weight, so the largest sources
 * do not decide what an injection looks like (650 role-play jailbreaks taught "act as" = attack).
 * Square-rooted: a cell of 30 rows should not weigh as much as one of 1,500. Synthetic rows keep
 * their own weights.
 */
export function sourceWeights(rows: readonly Pick<InjectionRow, "source" | "label">[]): (row: InjectionRow) => number {
  const counts = new Map<string, number>();
  const key = (row: Pick<InjectionRow, "source" | "label">) => `${row.label}\0${row.source}`;
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  const mean = rows.length / Math.max(1, counts.size);
  return (row) => Math.sqrt(mean / (counts.get(key(row)) ?? mean));
}

/** Trains and quantizes: validation scores come from the same 8-bit form that ships. */
function fit(rows: readonly PreparedRow[], options: TrainingOptions): InjectionModel {
  const real = rows.filter((p) => p.row.source !== SYNTHETIC_SOURCE).map((p) => p.row);
  const balance = options.balanceSources ? sourceWeights(real) : () => 1;
  const examples = rows.map((p) => ({
    x: p.trainX ?? p.x,
    y: p.row.label === "injection" ? (1 as const) : (0 as const),
    weight: p.row.source === SYNTHETIC_SOURCE ? syntheticWeight(p.row) : balance(p.row),
  }));
  return quantizeWeights(trainLogistic(examples, 1 << options.bits, options.ftrl), options.bits);
}

/** The detector's model term: the most suspicious of the text and its decoded hidden payloads. */
export function rowLogit(model: InjectionModel, row: Pick<PreparedRow, "folded" | "hiddenFolded" | "surface">): number {
  let logit = modelLogit(model, row.folded, row.surface);
  for (const hidden of row.hiddenFolded) logit = Math.max(logit, modelLogit(model, hidden, row.surface));
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
        scored.push({ row: p.row, surface: p.surface, score: combineScore(rowLogit(model, p), p.evidence) });
      }
    }
  }
  return scored;
}

/** Benign sources with fewer validation rows are too small to hold to a rate of their own. */
export const MIN_SOURCE_ROWS = 25;

/**
 * Threshold from validation scores: the best recall whose benign FPR stays within the targets
 * (over all benign rows, and for each benign source of `MIN_SOURCE_ROWS` or more) and, for that
 * recall, the fewest false positives; placed midway (in log-odds) between the lowest flagged
 * score and the next score below, so small score drifts on new data do not flip the rows at the edge.
 */
export function chooseThreshold(scored: readonly ScoredRow[], options: TrainingOptions): number {
  const benign = scored.filter((s) => s.row.label === "benign");
  const bySource = new Map<string, ScoredRow[]>();
  for (const s of benign) bySource.set(s.row.source, [...(bySource.get(s.row.source) ?? []), s]);
  const sources = [...bySource.values()].filter((rows) => rows.length >= MIN_SOURCE_ROWS);
  const injections = scored.filter((s) => s.row.label === "injection");
  const count = (rows: readonly ScoredRow[], t: number): number => rows.filter((s) => s.score >= t).length;
  const scores = [...new Set(scored.map((s) => s.score))].sort((a, b) => a - b);
  let best: { t: number; tp: number; fp: number } | undefined;
  for (const t of scores) {
    const fp = count(benign, t);
    const fpr = fp / Math.max(1, benign.length);
    if (fpr > options.maxFpr || sources.some((rows) => count(rows, t) / rows.length > options.maxSourceFpr)) continue;
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
  // One threshold for both surfaces, from all validation scores: the score means the same on both
  // (see score.ts), and a held-out kind of content has no validation rows of its own to tune on.
  const threshold = round(chooseThreshold(validationScores, options), 4);
  const thresholds = { user: threshold, untrusted: threshold };
  const validation = {} as Record<TextSurface, Figures>;
  for (const surface of ["user", "untrusted"] as const) {
    const scored = validationScores.filter((s) => s.surface === surface);
    validation[surface] = figures(scored.map((s) => ({ label: s.row.label, flagged: s.score >= threshold })));
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
      targets: { maxFpr: options.maxFpr, maxSourceFpr: options.maxSourceFpr },
      synthetic: synthetic.length,
      balanceSources: options.balanceSources,
    },
  };
  return { file, validation, validationScores };
}
