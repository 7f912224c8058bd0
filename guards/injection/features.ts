/**
 * Hashed features of a folded text: words, word pairs, and character 3–5-grams. Hashing keeps
 * the model a fixed-size array with no vocabulary to ship; each namespace is scaled by
 * 1/sqrt(occurrences) so long and short texts land on the same scale. `dotFeatures` walks the
 * text once with the hashing inlined and never builds the vector: it is the detector's hot loop.
 * `featureVector` builds the same features for training; a test keeps the two in agreement.
 */

export const CHAR_MIN = 3;
export const CHAR_MAX = 5;

const CHAR_SEED = 0x9e3779b1;
const WORD_SEED = 0x2f6b1a93;
const PAIR_SEED = 0x51ed270b;
const PRIME = 0x01000193;
/** Per-length salts so a 3-gram and a 4-gram sharing a prefix land in unrelated slots. */
const LENGTH_SALT = [0, 0, 0, 0x27d4eb2f, 0x165667b1, 0x61c88647];

/** Words are runs of ASCII letters/digits/apostrophes or any non-ASCII non-space character. */
function isWordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || (c > 127 && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f))
  );
}

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
  for (let i = 0; i + CHAR_MIN <= n; i++) {
    let h = CHAR_SEED;
    const stop = Math.min(n, i + CHAR_MAX);
    for (let j = i; j < stop; j++) {
      h = Math.imul(h ^ text.charCodeAt(j), PRIME);
      const length = j - i + 1;
      if (length >= CHAR_MIN) sink.char(finish(h ^ (LENGTH_SALT[length] ?? 0)) & mask);
    }
  }
  let previous = 0;
  let h = WORD_SEED;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
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
  const salt3 = LENGTH_SALT[3] ?? 0;
  const salt4 = LENGTH_SALT[4] ?? 0;
  const salt5 = LENGTH_SALT[5] ?? 0;
  let charSum = 0;
  let charCount = 0;
  for (let i = 0; i + 3 <= n; i++) {
    let h = Math.imul(CHAR_SEED ^ (c[i] ?? 0), PRIME);
    h = Math.imul(h ^ (c[i + 1] ?? 0), PRIME);
    h = Math.imul(h ^ (c[i + 2] ?? 0), PRIME);
    charSum += weights[finish(h ^ salt3) & mask] ?? 0;
    charCount++;
    if (i + 4 > n) continue;
    h = Math.imul(h ^ (c[i + 3] ?? 0), PRIME);
    charSum += weights[finish(h ^ salt4) & mask] ?? 0;
    charCount++;
    if (i + 5 > n) continue;
    h = Math.imul(h ^ (c[i + 4] ?? 0), PRIME);
    charSum += weights[finish(h ^ salt5) & mask] ?? 0;
    charCount++;
  }

  let wordSum = 0;
  let wordCount = 0;
  let previous = 0;
  let h = WORD_SEED;
  let inWord = false;
  for (let i = 0; i <= n; i++) {
    const code = i < n ? (c[i] ?? 32) : 32;
    if (isWordChar(code)) {
      h = Math.imul(h ^ code, PRIME);
      inWord = true;
    } else if (inWord) {
      const word = finish(h) | 1;
      wordSum += weights[word & mask] ?? 0;
      wordCount++;
      if (previous !== 0) {
        wordSum += weights[finish(Math.imul(previous, 31) ^ word ^ PAIR_SEED) & mask] ?? 0;
        wordCount++;
      }
      previous = word;
      h = WORD_SEED;
      inWord = false;
    }
  }
  return (wordCount > 0 ? wordSum / Math.sqrt(wordCount) : 0) + (charCount > 0 ? charSum / Math.sqrt(charCount) : 0);
}
