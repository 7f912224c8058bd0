/**
 * Hashed features of a folded text: words, word pairs, and character 4-grams (3- and 5-grams
 * added nothing on validation and cost a third more time each). Hashing keeps
 * the model a fixed-size array with no vocabulary to ship; each namespace is scaled by
 * 1/sqrt(occurrences) so long and short texts land on the same scale. `dotFeatures` walks the
 * text once with the hashing inlined and never builds the vector: it is the detector's hot loop.
 * `featureVector` builds the same features for training; a test keeps the two in agreement.
 */

import { WORD_CHAR } from "./word-chars.js";

export const CHAR_N = 4;

const CHAR_SEED = 0x9e3779b1;
const WORD_SEED = 0x2f6b1a93;
const PAIR_SEED = 0x51ed270b;
const PRIME = 0x01000193;

/** Xor-folds the high bits into the low ones (the slot): cheap, and enough after FNV. */
function finish(h: number): number {
  return h ^ (h >>> 17);
}

export interface FeatureSink {
  word(index: number): void;
  char(index: number): void;
}

/** Calls the sink once per feature occurrence, with indices masked to `bits`. */
export function visitFeatures(folded: string, bits: number, sink: FeatureSink): void {
  const mask = (1 << bits) - 1;
  const text = ` ${folded} `;
  const n = text.length;
  for (let i = 0; i + CHAR_N <= n; i++) {
    let h = CHAR_SEED;
    for (let j = i; j < i + CHAR_N; j++) h = Math.imul(h ^ text.charCodeAt(j), PRIME);
    sink.char(finish(h) & mask);
  }
  let previous = 0;
  let h = WORD_SEED;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if (WORD_CHAR[c] === 1) {
      h = Math.imul(h ^ c, PRIME);
      inWord = true;
    } else if (inWord) {
      const word = finish(h) | 1;
      sink.word(word & mask);
      if (previous !== 0) sink.word(finish(Math.imul(previous, 31) ^ word ^ PAIR_SEED) & mask);
      previous = word;
      h = WORD_SEED;
      inWord = false;
    }
  }
}

/** Sparse feature vector (sorted indices, scaled values) for training and tests. */
export interface SparseVector {
  index: Int32Array;
  value: Float32Array;
}

export function featureVector(folded: string, bits: number): SparseVector {
  const words = new Map<number, number>();
  const chars = new Map<number, number>();
  let wordCount = 0;
  let charCount = 0;
  visitFeatures(folded, bits, {
    word: (i) => {
      words.set(i, (words.get(i) ?? 0) + 1);
      wordCount++;
    },
    char: (i) => {
      chars.set(i, (chars.get(i) ?? 0) + 1);
      charCount++;
    },
  });
  const merged = new Map<number, number>();
  for (const [i, c] of words) merged.set(i, c / Math.sqrt(wordCount));
  for (const [i, c] of chars) merged.set(i, (merged.get(i) ?? 0) + c / Math.sqrt(charCount));
  const index = Int32Array.from([...merged.keys()].sort((a, b) => a - b));
  const value = Float32Array.from(index, (i) => merged.get(i) ?? 0);
  return { index, value };
}

/** Char codes of " folded " in a reused buffer: typed-array reads are the cheapest in the hot loop. */
let codes = new Uint16Array(4096);

function paddedCodes(folded: string): Uint16Array {
  const n = folded.length + 2;
  if (codes.length < n) codes = new Uint16Array(Math.max(n, codes.length * 2));
  codes[0] = 32;
  for (let i = 0; i < folded.length; i++) codes[i + 1] = folded.charCodeAt(i);
  codes[n - 1] = 32;
  return codes;
}

/**
 * w·x for the vector `featureVector` would build, in one pass: the same hashing as
 * `visitFeatures`, inlined (no callbacks). Weights are the 8-bit quantized ones (multiply the
 * result by the model's scale): a 2^18-byte table stays in cache where floats would not.
 */
export function dotFeatures(folded: string, bits: number, weights: Int8Array): number {
  const mask = (1 << bits) - 1;
  const n = folded.length + 2;
  const c = paddedCodes(folded);
  // Local aliases: the loop reads these a million times per megabyte.
  const wordChar = WORD_CHAR;
  let charSum = 0;
  let wordSum = 0;
  let wordCount = 0;
  let previous = 0;
  let word = WORD_SEED;
  let inWord = false;
  // One pass: the 4-gram starting at i, and the word state at i. Indices are in bounds by
  // construction (masked slots, i + 3 < n); non-null reads keep the loop free of checks.
  for (let i = 0; i < n; i++) {
    const code = c[i]!;
    if (i + CHAR_N <= n) {
      let h = Math.imul(CHAR_SEED ^ code, PRIME);
      h = Math.imul(h ^ c[i + 1]!, PRIME);
      h = Math.imul(h ^ c[i + 2]!, PRIME);
      h = Math.imul(h ^ c[i + 3]!, PRIME);
      charSum += weights[finish(h) & mask]!;
    }
    if (wordChar[code] === 1) {
      word = Math.imul(word ^ code, PRIME);
      inWord = true;
    } else if (inWord) {
      const hashed = finish(word) | 1;
      wordSum += weights[hashed & mask]!;
      wordCount++;
      if (previous !== 0) {
        wordSum += weights[finish(Math.imul(previous, 31) ^ hashed ^ PAIR_SEED) & mask]!;
        wordCount++;
      }
      previous = hashed;
      word = WORD_SEED;
      inWord = false;
    }
  }
  // The text is padded with spaces, so the last word has ended inside the loop.
  const charCount = Math.max(0, n - CHAR_N + 1);
  return (wordCount > 0 ? wordSum / Math.sqrt(wordCount) : 0) + (charCount > 0 ? charSum / Math.sqrt(charCount) : 0);
}
