/**
 * The prompt-injection guard: normalize, gather rule evidence, score with the local model,
 * combine, and compare with the threshold of the surface the text came from. Synchronous, pure
 * (no I/O after the weights are loaded at import) and linear in the input.
 */
import { z } from "zod";
import { normalizeText, type NormalizedText } from "../normalize.js";
import type { InjectionDetector, InjectionVerdict, TextSurface } from "../types.js";
import { gatherEvidence } from "./evidence.js";
import { loadModel, ModelFileSchema, type InjectionModel } from "./model.js";
import { combineScore } from "./score.js";
import weightsJson from "./weights.json" with { type: "json" };

const weightsFile = ModelFileSchema.parse(weightsJson);
let defaultModel: InjectionModel | undefined;

/** The committed model, decoded once on first use. */
export function committedModel(): InjectionModel {
  defaultModel ??= loadModel(weightsFile);
  return defaultModel;
}

/** Thresholds chosen on validation folds when the committed weights were trained. */
export const DEFAULT_THRESHOLDS: Readonly<Record<TextSurface, number>> = weightsFile.thresholds;

const Threshold = z.number().gt(0).lt(1);

export const InjectionOptionsSchema = z.object({
  /** Score at or above which text is an injection, per surface. */
  thresholds: z
    .object({
      user: Threshold.default(DEFAULT_THRESHOLDS.user),
      untrusted: Threshold.default(DEFAULT_THRESHOLDS.untrusted),
    })
    .prefault({}),
  /** The model to use: the committed one by default; null for rules only. */
  model: z
    .custom<InjectionModel>(
      (m) => typeof m === "object" && m !== null && (m as InjectionModel).weights instanceof Int8Array,
    )
    .nullable()
    .optional(),
});
export type InjectionOptions = z.input<typeof InjectionOptionsSchema>;
type ResolvedOptions = z.output<typeof InjectionOptionsSchema>;

const DEFAULTS: ResolvedOptions = InjectionOptionsSchema.parse({});

function judge(
  text: string,
  surface: TextSurface,
  options: ResolvedOptions,
  normalized: NormalizedText = normalizeText(text),
): InjectionVerdict {
  const model = options.model === undefined ? committedModel() : options.model;
  const evidence = gatherEvidence(text, normalized, surface, model);
  const logit = evidence.modelLogit;
  const score = combineScore(logit, evidence.logit);
  const reasons = [...evidence.reasons];
  if (logit !== undefined && logit > 0) reasons.push(`model:${(1 / (1 + Math.exp(-logit))).toFixed(2)}`);
  return {
    label: score >= options.thresholds[surface] ? "injection" : "benign",
    score,
    reasons,
    ruleEvidence: evidence.logit,
  };
}

export function detectInjection(text: string, surface: TextSurface, options?: InjectionOptions): InjectionVerdict {
  return judge(text, surface, options === undefined ? DEFAULTS : InjectionOptionsSchema.parse(options));
}

/**
 * The guard behind the shared detector interface; options are validated once, here. A caller that
 * has already normalized the text (the guard layers share one `normalizeText` per text) passes it.
 */
export function createInjectionDetector(options?: InjectionOptions): InjectionDetector & {
  detect(text: string, surface: TextSurface, normalized?: NormalizedText): InjectionVerdict;
} {
  const resolved = options === undefined ? DEFAULTS : InjectionOptionsSchema.parse(options);
  return { detect: (text, surface, normalized?: NormalizedText) => judge(text, surface, resolved, normalized) };
}

/** The default detector, with the committed model and thresholds. */
export const injectionDetector = createInjectionDetector();

/**
 * Adapter for the tool engine's output scanner: flags untrusted tool output. Structurally the
 * `ToolOutputScanner` shape, so guards need not import from tools.
 */
export function scanUntrusted(
  detector: { detect(text: string, surface: TextSurface): InjectionVerdict } = injectionDetector,
): (text: string) => { flagged: boolean; reasons: string[] } {
  return (text) => {
    const verdict = detector.detect(text, "untrusted");
    return { flagged: verdict.label === "injection", reasons: verdict.reasons };
  };
}
