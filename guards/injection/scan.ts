/**
 * One pass over a folded text for both halves of the guard: its words (hashed, with offsets, in
 * reused buffers) for the rule engine, the model's hashed features (character 4-grams, words and
 * word pairs) summed against its weights as they are met, and which punctuation literals occur
 * (chat-template tokens and the like, which are not words). Training collects the same features
 * through the same loop, so what the model learns is exactly what the detector computes.
 */
import { WORD_CHAR } from "./word-chars.js";

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;
const CHAR_SEED = 0x9e3779b1;
const WORD_SEED = 0x2f6b1a93;
const PAIR_SEED = 0x51ed270b;
const MIX_A = 0x85ebca6b;
const MIX_B = 0xc2b2ae35;

/** A model's weight table: 2^bits signed bytes. */
export interface FeatureTable {
  bits: number;
  weights: Int8Array;
}

/** Punctuation-led literals to look for, indexed by their first code unit. */
export interface LiteralIndex {
  /** Per code unit: 0, or 1 + the index in `groups` of the literals starting with it. */
  first: Uint8Array;
  groups: { literal: string; bit: number }[][];
}

export interface Scan {
  /** Words found; their hashes and offsets are in `words` until the next scan. */
  count: number;
  /** Bits of the literals that occur. */
  literals: number;
  /** Sum of the quantized weights of the character 4-grams, and how many there are. */
  charSum: number;
  charCount: number;
  /** The same over words and word pairs. */
  wordSum: number;
  wordCount: number;
}

/** Feature slots met, in order, when training asks for them. */
export interface FeatureSink {
  chars: number[];
  words: number[];
}

/** Reused word buffers of the last scan: FNV-1a hash, start and end offset of each word. */
export const words = { hashes: new Int32Array(4096), starts: new Int32Array(4096), ends: new Int32Array(4096) };

function grow(size: number): void {
  const n = Math.max(size, words.hashes.length * 2);
  for (const key of ["hashes", "starts", "ends"] as const) {
    const next = new Int32Array(n);
    next.set(words[key]);
    words[key] = next;
  }
}

/** Stands in for a model when only words are wanted: every feature weighs 0. */
export const NO_MODEL: FeatureTable = { bits: 8, weights: new Int8Array(256) };

const NO_LITERALS: LiteralIndex = { first: new Uint8Array(65_536), groups: [] };

/**
 * Scans `text` (a folded form). Apostrophes belong to a word only between word characters
 * ("don't"), not as quotes. The 4-grams run over the text padded with a space at each end, so
 * first and last letters are marked; the four code units in view are kept in two registers.
 */
export function scanFolded(
  text: string,
  model: FeatureTable = NO_MODEL,
  literals: LiteralIndex = NO_LITERALS,
  sink?: FeatureSink,
): Scan {
  const n = text.length;
  const weights = model.weights;
  const shift = 32 - model.bits;
  const wordChar = WORD_CHAR;
  const first = literals.first;
  let count = 0;
  let seen = 0;
  let charSum = 0;
  let wordSum = 0;
  let wordCount = 0;
  let previous = 0;
  let h = FNV_OFFSET;
  let start = -1;
  let end = 0;
  let quotes = 0;
  // The last four code units of " text": high = [u0 u1], low = [u2 u3]; starts as [0 0 0 " "].
  let high = 0;
  let low = 32;
  // One step past the end (a space) closes the last word and the last 4-gram.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    high = (high << 16) | (low >>> 16);
    low = (low << 16) | c;
    if (i >= 2) {
      const slot = Math.imul(Math.imul(high ^ CHAR_SEED, MIX_A) ^ low, MIX_B) >>> shift;
      charSum += weights[slot]!;
      if (sink !== undefined) sink.chars.push(slot);
    }
    if (first[c] !== 0) seen |= matchLiterals(text, i, literals.groups[first[c]! - 1]!);
    if (c === 39) {
      if (start >= 0) quotes++;
    } else if (wordChar[c] === 1) {
      if (start < 0) {
        start = i;
        h = FNV_OFFSET;
      }
      for (; quotes > 0; quotes--) h = Math.imul(h ^ 39, FNV_PRIME);
      h = Math.imul(h ^ c, FNV_PRIME);
      end = i + 1;
    } else if (start >= 0) {
      if (count === words.hashes.length) grow(count + 1);
      words.hashes[count] = h;
      words.starts[count] = start;
      words.ends[count] = end;
      count++;
      const key = Math.imul(h ^ WORD_SEED, MIX_A) | 1;
      const slot = Math.imul(key, MIX_B) >>> shift;
      wordSum += weights[slot]!;
      wordCount++;
      if (sink !== undefined) sink.words.push(slot);
      if (previous !== 0) {
        const pair = Math.imul(Math.imul(previous, 31) ^ key ^ PAIR_SEED, MIX_B) >>> shift;
        wordSum += weights[pair]!;
        wordCount++;
        if (sink !== undefined) sink.words.push(pair);
      }
      previous = key;
      start = -1;
      quotes = 0;
    }
  }
  return { count, literals: seen, charSum, charCount: Math.max(0, n - 1), wordSum, wordCount };
}

function matchLiterals(text: string, at: number, group: readonly { literal: string; bit: number }[]): number {
  let bits = 0;
  for (const { literal, bit } of group) if (text.startsWith(literal, at)) bits |= bit;
  return bits;
}

/** The index for literals, one bit per literal group (at most 31 groups). */
export function literalIndex(groups: readonly (readonly string[])[]): LiteralIndex {
  if (groups.length > 31) throw new Error("at most 31 literal groups");
  const index: LiteralIndex = { first: new Uint8Array(65_536), groups: [] };
  groups.forEach((literals, g) => {
    for (const literal of literals) {
      const c = literal.charCodeAt(0);
      if (index.first[c] === 0) {
        index.groups.push([]);
        index.first[c] = index.groups.length;
      }
      index.groups[index.first[c]! - 1]!.push({ literal, bit: 1 << g });
    }
  });
  return index;
}
