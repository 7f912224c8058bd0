/**
 * Logistic regression trained with FTRL-Proximal: per-feature learning rates suit sparse hashed
 * features, and the L1 term zeroes most weights so the shipped file stays small. Examples are
 * visited in a seeded shuffle, so the same data and options give the same weights.
 */
import type { SparseVector } from "./features.js";

export interface TrainExample {
  x: SparseVector;
  /** 1 for injection, 0 for benign. */
  y: 0 | 1;
  /** Importance of the example in the loss. */
  weight: number;
}

export interface FtrlOptions {
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
  epochs: number;
  seed: number;
}

export interface LinearModel {
  weights: Float32Array;
  bias: number;
}

/** Small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function trainLogistic(examples: readonly TrainExample[], dim: number, options: FtrlOptions): LinearModel {
  const { alpha, beta, l1, l2, epochs } = options;
  // Slot `dim` is the bias: same update, no L1 so it is never zeroed.
  const z = new Float64Array(dim + 1);
  const n = new Float64Array(dim + 1);
  const weightOf = (i: number, lasso: number): number => {
    const zi = z[i] ?? 0;
    if (Math.abs(zi) <= lasso) return 0;
    return -(zi - Math.sign(zi) * lasso) / ((beta + Math.sqrt(n[i] ?? 0)) / alpha + l2);
  };
  const update = (i: number, g: number, w: number): void => {
    const ni = n[i] ?? 0;
    const sigma = (Math.sqrt(ni + g * g) - Math.sqrt(ni)) / alpha;
    z[i] = (z[i] ?? 0) + g - sigma * w;
    n[i] = ni + g * g;
  };

  const random = prng(options.seed);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Fisher–Yates with the seeded generator.
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const tmp = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = tmp;
    }
    for (const k of order) {
      const example = examples[k];
      if (example === undefined) continue;
      const { index, value } = example.x;
      const w = new Float64Array(index.length);
      const wBias = weightOf(dim, 0);
      let margin = wBias;
      for (let j = 0; j < index.length; j++) {
        const wj = weightOf(index[j] ?? 0, l1);
        w[j] = wj;
        margin += wj * (value[j] ?? 0);
      }
      const residual = (sigmoid(margin) - example.y) * example.weight;
      for (let j = 0; j < index.length; j++) update(index[j] ?? 0, residual * (value[j] ?? 0), w[j] ?? 0);
      update(dim, residual, wBias);
    }
  }

  const weights = new Float32Array(dim);
  for (let i = 0; i < dim; i++) weights[i] = weightOf(i, l1);
  return { weights, bias: weightOf(dim, 0) };
}
