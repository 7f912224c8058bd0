/**
 * The statistical half of the injection guard: a logistic regression over hashed features of
 * the folded text. Stored as JSON with sparse, 8-bit quantized weights: slot indices as
 * delta-encoded varints and weights as signed bytes, each base64 in one string, so the file
 * stays small and formatters leave it alone. Validated with zod on load.
 */
import { z } from "zod";
import { decodeBase64 } from "../normalize-decode.js";
import type { TextSurface } from "../types.js";
import { scanDot } from "./features.js";
import { scanFolded, type Scan } from "./scan.js";
import { maxWindowDot } from "./windows.js";
import type { LinearModel } from "./train.js";

/** Version 2 added the position features: weights trained without them would score wrongly. */
export const MODEL_FORMAT = "keel-injection-lr/2";

export const ModelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  /** Hashed feature space has 2^bits slots. */
  bits: z.number().int().min(8).max(24),
  bias: z.number(),
  /** A stored weight q stands for q × scale. */
  scale: z.number().positive(),
  /** Number of non-zero weights. */
  count: z.number().int().nonnegative(),
  /** Base64 of LEB128 varints: gaps between ascending slot indices (the first from 0). */
  indexDeltas: z.string(),
  /** Base64 of signed bytes, one per non-zero weight. */
  quantized: z.string(),
  /** Score thresholds chosen on validation folds of the training split. */
  thresholds: z.object({ user: z.number().gt(0).lt(1), untrusted: z.number().gt(0).lt(1) }),
  /** How the weights were made: enough to rebuild the split and check the data is the same. */
  training: z.object({
    /** The data files, comma-separated, relative to the repository. */
    data: z.string(),
    dataSha256: z.string(),
    rows: z.number().int().nonnegative(),
    trainRows: z.number().int().nonnegative(),
    seed: z.number().int(),
    /** 0 when the procedure trained on every row it was given (the outer folds of scripts/cv-injection.ts). */
    testFraction: z.number().min(0).lt(1),
    folds: z.number().int().min(2),
    /** Cross-validation repeats (fold assignments) whose scores were pooled. */
    repeats: z.number().int().min(1).default(1),
    options: z.record(z.string(), z.number()),
    targets: z.record(z.string(), z.number()),
    /** Synthetic hard negatives added to the training folds (never to validation or test). */
    synthetic: z.number().int().nonnegative(),
    /** Rows weighed so each (source, label) cell counts alike. */
    balanceSources: z.boolean().default(false),
  }),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export interface InjectionModel {
  bits: number;
  bias: number;
  /** A weight is `weights[i] * scale`. */
  scale: number;
  weights: Int8Array;
}

export function loadModel(json: unknown): InjectionModel {
  const file = ModelFileSchema.parse(json);
  const deltas = decodeBase64(file.indexDeltas);
  const quantized = decodeBase64(file.quantized);
  if (quantized.length !== file.count) throw new Error("model file: weight count differs from `count`");
  const size = 1 << file.bits;
  const weights = new Int8Array(size);
  let index = 0;
  let at = 0;
  for (let i = 0; i < file.count; i++) {
    let delta = 0;
    let shift = 0;
    for (;;) {
      const byte = deltas[at++];
      if (byte === undefined || shift > 28) throw new Error("model file: truncated index list");
      delta |= (byte & 0x7f) << shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    index += delta;
    if (index >= size) throw new Error(`model file: index ${index} outside 2^${file.bits}`);
    const q = quantized[i] ?? 0;
    weights[index] = q > 127 ? q - 256 : q;
  }
  if (at !== deltas.length) throw new Error("model file: extra bytes in index list");
  return { bits: file.bits, bias: file.bias, scale: file.scale, weights };
}

/** 8-bit weights for a trained model: each weight rounds to a multiple of max|w| / 127. */
export function quantizeWeights(model: LinearModel, bits: number): InjectionModel {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  // Rounded so the JSON is byte-identical across runs and platforms.
  const scale = Number((max > 0 ? max / 127 : 1).toPrecision(8));
  const weights = Int8Array.from(model.weights, (w) => Math.max(-127, Math.min(127, Math.round(w / scale))));
  return { bits, bias: round(model.bias), scale, weights };
}

/** The stored form of a quantized model: zero weights dropped, the rest as varints and bytes. */
export function encodeWeights(
  model: InjectionModel,
): Pick<ModelFile, "bias" | "scale" | "count" | "indexDeltas" | "quantized"> {
  const deltas: number[] = [];
  const bytes: number[] = [];
  let previous = 0;
  model.weights.forEach((q, i) => {
    if (q === 0) return;
    for (let gap = i - previous; ; gap >>>= 7) {
      if (gap < 0x80) {
        deltas.push(gap);
        break;
      }
      deltas.push((gap & 0x7f) | 0x80);
    }
    bytes.push(q & 0xff);
    previous = i;
  });
  return {
    bias: model.bias,
    scale: model.scale,
    count: bytes.length,
    indexDeltas: encodeBase64(deltas),
    quantized: encodeBase64(bytes),
  };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function encodeBase64(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 4) / 3));
    for (let k = 0; k < 4; k++) out += k < chars ? ALPHABET[(n >> (18 - 6 * k)) & 63] : "=";
  }
  return out;
}

export function round(x: number, digits = 6): number {
  return Number(x.toFixed(digits));
}

/** Log-odds of injection for a folded text on a surface (see `scanLogit`). */
export function modelLogit(model: InjectionModel, folded: string, surface: TextSurface = "user"): number {
  return scanLogit(model, scanFolded(folded, model), surface);
}

/**
 * The same from a scan made with the model's weights, read at once (the scan's word buffers are
 * reused by the next one). Untrusted text is as suspicious as its most suspicious run of words
 * (see `windows.ts`).
 */
export function scanLogit(model: InjectionModel, scan: Scan, surface: TextSurface = "user"): number {
  const whole = scanDot(scan);
  const run = surface === "untrusted" ? maxWindowDot(scan, model) : undefined;
  return model.bias + model.scale * (run === undefined ? whole : Math.max(whole, run));
}
