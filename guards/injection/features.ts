/**
 * Hashed features of a folded text: words, word pairs, character 4-grams (3- and 5-grams added
 * nothing on validation and cost a third more time each), and words marked with their position
 * (first, last, opening a sentence: see `positions.ts`). Hashing keeps the model a fixed-size
 * array with no vocabulary to ship; each namespace is scaled by 1/sqrt(occurrences) so long and
 * short texts land on the same scale. The detector sums weights inside the scan (see `scan.ts`)
 * and never builds the vector; `featureVector` builds it for training from the same loop, so the
 * two cannot disagree.
 */
import { scanFolded, type Scan } from "./scan.js";

/** Sparse feature vector (sorted indices, scaled values) for training and tests. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

/** All-zero weights per table size: training wants the slots, not the sums. */
const ZEROS: Int8Array[] = [];

export function featureVector(folded: string, bits: number): SparseVector {
  const sink = { chars: [] as number[], words: [] as number[], positions: [] as number[] };
  ZEROS[bits] ??= new Int8Array(1 << bits);
  scanFolded(folded, { bits, weights: ZEROS[bits] }, undefined, sink);
  const merged = new Map<number, number>();
  const add = (slots: readonly number[]): void => {
    const scale = 1 / Math.sqrt(slots.length);
    for (const slot of slots) merged.set(slot, (merged.get(slot) ?? 0) + scale);
  };
  add(sink.words);
  add(sink.chars);
  if (sink.positions.length > 0) add(sink.positions);
  const index = Int32Array.from([...merged.keys()].sort((a, b) => a - b));
  const value = Float32Array.from(index, (i) => merged.get(i) ?? 0);
  return { index, value };
}

/** w·x for the vector `featureVector` would build, from a scan's sums (quantized units). */
export function scanDot(scan: Scan): number {
  const words = scan.wordCount > 0 ? scan.wordSum / Math.sqrt(scan.wordCount) : 0;
  const chars = scan.charCount > 0 ? scan.charSum / Math.sqrt(scan.charCount) : 0;
  const positions = scan.positionCount > 0 ? scan.positionSum / Math.sqrt(scan.positionCount) : 0;
  return words + chars + positions;
}

/** w·x for a folded text, with 8-bit weights (multiply by the model's scale). */
export function dotFeatures(folded: string, bits: number, weights: Int8Array): number {
  return scanDot(scanFolded(folded, { bits, weights }));
}
