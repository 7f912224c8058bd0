/**
 * One pass over a folded text for both halves of the guard: its words (hashed, with offsets, in
 * reused buffers) for the rule engine, the model's hashed features (character 4-grams, words and
 * word pairs) summed against its weights as they are met, where sentences open (for the position
 * features, added from the word buffer once the loop is done), and which punctuation literals
 * occur (chat-template tokens and the like, which are not words). Training collects the same
 * features through the same loop, so what the model learns is exactly what the detector computes.
 */
import { positionFeatures, type PositionTotals } from "./positions.js";
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
  /**
   * What each code unit is, in one table read: `WORD` (a word character), `QUOTE` (the
   * apostrophe), and from bit 2 up, 1 + the index in `groups` of the literals starting with it.
   */
  kinds: Uint8Array;
  groups: { literal: string; bit: number }[][];
}

const WORD = 1;
const QUOTE = 2;
const GROUP_SHIFT = 2;

function baseKinds(): Uint8Array {
  const kinds = Uint8Array.from(WORD_CHAR, (w) => (w === 1 ? WORD : 0));
  kinds[39] = QUOTE;
  return kinds;
}

export interface Scan {
  /** Words found; their hashes and offsets are in `words` until the next scan. */
  count: number;
  /** Words that open a sentence after the first; their indices are in `words.openings`. */
  openings: number;
  /** Bits of the literals that occur. */
  literals: number;
  /** Sum of the quantized weights of the character 4-grams, and how many there are. */
  charSum: number;
  charCount: number;
  /** The same over words and word pairs. */
  wordSum: number;
  wordCount: number;
  /** The same over the position features (see `positions.ts`). */
  positionSum: number;
  positionCount: number;
}

/** Feature slots met, in order, when training asks for them. */
export interface FeatureSink {
  chars: number[];
  words: number[];
  positions: number[];
}

/**
 * Reused word buffers of the last scan: FNV-1a hash, start and end offset of each word, and the
 * indices of the words that open a sentence after the first (never more than the words).
 */
export const words = {
  hashes: new Int32Array(4096),
  starts: new Int32Array(4096),
  ends: new Int32Array(4096),
  openings: new Int32Array(4096),
  /**
   * Running sums at the end of each word: the 4-gram weights met so far, and the word and pair
   * weights so far. Differences give any run of words its model terms (see `windows.ts`).
   */
  charSums: new Int32Array(4096),
  wordSums: new Int32Array(4096),
};

function grow(size: number): void {
  const n = Math.max(size, words.hashes.length * 2);
  for (const key of ["hashes", "starts", "ends", "openings", "charSums", "wordSums"] as const) {
    const next = new Int32Array(n);
    next.set(words[key]);
    words[key] = next;
  }
}

/** Stands in for a model when only words are wanted: every feature weighs 0. */
export const NO_MODEL: FeatureTable = { bits: 8, weights: new Int8Array(256) };

const NO_LITERALS: LiteralIndex = { kinds: baseKinds(), groups: [] };

/** What the loop leaves besides its return value (see `scanInto`). */
const found = { count: 0, literals: 0, wordSum: 0, openings: 0 };
const positions: PositionTotals = { sum: 0, count: 0 };

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
  const charSum = scanInto(text, model, literals, sink);
  const { count, wordSum } = found;
  // Each word after the first also makes a pair with the one before it.
  const wordCount = count + Math.max(0, count - 1);
  const placed = positionFeatures(
    words.hashes,
    count,
    words.openings,
    found.openings,
    model,
    positions,
    sink?.positions,
  );
  return {
    count,
    openings: found.openings,
    literals: found.literals,
    charSum,
    charCount: Math.max(0, text.length - 1),
    wordSum,
    wordCount,
    positionSum: placed.sum,
    positionCount: placed.count,
  };
}

/**
 * The loop behind `scanFolded`; returns the 4-gram sum and leaves the rest in `found`. Nothing
 * runs after the loop: code there has never run when a long first call gets optimized mid-loop,
 * and the optimized loop would then give up at its end on every call.
 */
function scanInto(text: string, model: FeatureTable, literals: LiteralIndex, sink: FeatureSink | undefined): number {
  const n = text.length;
  const weights = model.weights;
  const shift = 32 - model.bits;
  const kinds = literals.kinds;
  let count = 0;
  let seen = 0;
  let charSum = 0;
  let wordSum = 0;
  let previous = 0;
  found.count = 0;
  found.literals = 0;
  found.wordSum = 0;
  found.openings = 0;
  let openings = 0;
  // Between words: 1 after a sentence end (. ? ! :), 2 once a space follows it, else 0. Folded
  // text has no line breaks, so a sentence opens only after punctuation and a space.
  let gap = 0;
  let h = FNV_OFFSET;
  let start = -1;
  let end = 0;
  let quotes = 0;
  // The last four code units of " text": high = [u0 u1], low = [u2 u3]; starts as [0 0 0 " "].
  let high = 0;
  let low = 32;
  // One step past the end (a space) closes the last word and the last 4-gram.
  for (let i = 0; i <= n; i++) {
    let c = i < n ? text.charCodeAt(i) : 32;
    let kind = kinds[c]!;
    if ((kind & WORD) !== 0) {
      if (start < 0) {
        start = i;
        h = FNV_OFFSET;
        if (gap === 2 && count > 0) {
          words.openings[openings++] = count;
          found.openings = openings;
        }
      }
      for (; quotes > 0; quotes--) h = Math.imul(h ^ 39, FNV_PRIME);
      // The rest of the word in a tight loop; the character that ends it is handled right after,
      // without a trip round the outer loop (one mispredicted branch per word, not two).
      do {
        high = (high << 16) | (low >>> 16);
        low = (low << 16) | c;
        if (i >= 2) {
          const slot = Math.imul(Math.imul(high ^ CHAR_SEED, MIX_A) ^ low, MIX_B) >>> shift;
          charSum += weights[slot]!;
          if (sink !== undefined) sink.chars.push(slot);
        }
        if (kind >= 1 << GROUP_SHIFT) {
          seen |= matchLiterals(text, i, literals.groups[(kind >> GROUP_SHIFT) - 1]!);
          found.literals = seen;
        }
        h = Math.imul(h ^ c, FNV_PRIME);
        c = ++i < n ? text.charCodeAt(i) : 32;
        kind = kinds[c]!;
      } while ((kind & WORD) !== 0);
      end = i;
    }
    // `c` (at `i`) is not a word character.
    high = (high << 16) | (low >>> 16);
    low = (low << 16) | c;
    if (i >= 2) {
      const slot = Math.imul(Math.imul(high ^ CHAR_SEED, MIX_A) ^ low, MIX_B) >>> shift;
      charSum += weights[slot]!;
      if (sink !== undefined) sink.chars.push(slot);
    }
    if (kind >= 1 << GROUP_SHIFT) {
      seen |= matchLiterals(text, i, literals.groups[(kind >> GROUP_SHIFT) - 1]!);
      found.literals = seen;
    }
    if (kind === QUOTE) {
      if (start >= 0) quotes++;
      else gap = 0;
      continue;
    }
    if (start >= 0) {
      if (count === words.hashes.length) grow(count + 1);
      words.hashes[count] = h;
      words.starts[count] = start;
      words.ends[count] = end;
      count++;
      const key = Math.imul(h ^ WORD_SEED, MIX_A) | 1;
      const slot = Math.imul(key, MIX_B) >>> shift;
      wordSum += weights[slot]!;
      if (sink !== undefined) sink.words.push(slot);
      if (previous !== 0) {
        const pair = Math.imul(Math.imul(previous, 31) ^ key ^ PAIR_SEED, MIX_B) >>> shift;
        wordSum += weights[pair]!;
        if (sink !== undefined) sink.words.push(pair);
      }
      words.charSums[count - 1] = charSum;
      words.wordSums[count - 1] = wordSum;
      previous = key;
      start = -1;
      quotes = 0;
      found.count = count;
      found.wordSum = wordSum;
      gap = 0;
    }
    if (c === 32) {
      if (gap !== 0) gap = 2;
    } else gap = c === 46 || c === 63 || c === 33 || c === 58 ? 1 : 0;
  }
  return charSum;
}

function matchLiterals(text: string, at: number, group: readonly { literal: string; bit: number }[]): number {
  let bits = 0;
  for (const { literal, bit } of group) if (text.startsWith(literal, at)) bits |= bit;
  return bits;
}

/** The index for literals, one bit per literal group (at most 31 groups, 63 first characters). */
export function literalIndex(groups: readonly (readonly string[])[]): LiteralIndex {
  if (groups.length > 31) throw new Error("at most 31 literal groups");
  const index: LiteralIndex = { kinds: baseKinds(), groups: [] };
  const slots = new Map<number, number>();
  groups.forEach((literals, g) => {
    for (const literal of literals) {
      const c = literal.charCodeAt(0);
      let slot = slots.get(c);
      if (slot === undefined) {
        slot = index.groups.push([]);
        if (slot >= 1 << (8 - GROUP_SHIFT)) throw new Error("too many literal first characters");
        slots.set(c, slot);
        index.kinds[c] = (index.kinds[c]! & (WORD | QUOTE)) | (slot << GROUP_SHIFT);
      }
      index.groups[slot - 1]!.push({ literal, bit: 1 << g });
    }
  });
  return index;
}
