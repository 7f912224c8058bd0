/**
 * Matches all word rules in one pass over the folded text, in time linear in its length whatever
 * the input: a rule is a sequence of terms (sets of phrases) with a bounded number of words
 * allowed between consecutive terms, tracked by a small automaton per sequence, so repeated
 * partial matches ("ignore ignore ignore …") cost a few integer comparisons each instead of a
 * regex retry. Words are hashed as they are read; only words whose hash is in the rule vocabulary
 * are compared character by character. A few rules need punctuation and are verified by a sticky
 * regex anchored at a trigger word, or run as a whole-text regex only when a literal is present.
 */

import { isWordCode, WORD_CHAR } from "./word-chars.js";

/** One step of a sequence: any of `phrases`, at most `gap` words after the previous step. */
export interface Term {
  phrases: readonly string[];
  gap: number;
}

export interface WordRuleSpec {
  id: string;
  /** Alternatives: the rule matches when any sequence does. */
  sequences?: readonly (readonly Term[])[];
  /** A sticky regex tried where a trigger word starts (for rules that need punctuation). */
  anchored?: { triggers: readonly string[]; pattern: RegExp };
  /** A regex over the whole text, run only when one of the literals occurs in it. */
  needles?: { literals: readonly string[]; pattern: RegExp };
}

interface Registration {
  rule: number;
  /** Index into the flat state arrays: sequence base + term. */
  slot: number;
  /** Position of the term in its sequence (0 = first). */
  term: number;
  last: boolean;
  gap: number;
  /** Hashes of the phrase's earlier words, nearest first. */
  before: number[];
}

interface LexEntry {
  word: string;
  registrations: Registration[];
  anchors: number[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Longest phrase, in words; the ring of recent word hashes is this long. */
const MAX_PHRASE_WORDS = 8;
const NEVER = -1_000_000_000;

/** `text.slice(start, end) === word`, without building the slice. */
function sameWord(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

function hashWord(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

/** Phrases are written as text; hyphens and other separators split words as in folded text. */
function wordsOf(phrase: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of phrase.toLowerCase()) {
    if (isWordCode(ch.charCodeAt(0))) current += ch;
    else if (current !== "") {
      words.push(current);
      current = "";
    }
  }
  if (current !== "") words.push(current);
  return words;
}

/** Reused word buffers (hash, start, end per word), grown as needed. */
const buffers = { hashes: new Int32Array(4096), starts: new Int32Array(4096), ends: new Int32Array(4096) };

function grow(size: number): void {
  const n = Math.max(size, buffers.hashes.length * 2);
  for (const key of ["hashes", "starts", "ends"] as const) {
    const next = new Int32Array(n);
    next.set(buffers[key]);
    buffers[key] = next;
  }
}

/**
 * Splits `text` into words (into `buffers`) and returns how many. Apostrophes belong to a word
 * only between word characters ("don't"), not as quotes. A plain loop with no calls: it is the
 * engine's hot path.
 */
function tokenize(text: string): number {
  const wordChar = WORD_CHAR;
  let count = 0;
  let h = FNV_OFFSET;
  let start = -1;
  let end = 0;
  let pendingQuotes = 0;
  const n = text.length;
  // One step past the end (a space) closes the last word.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 32;
    if (c === 39) {
      if (start >= 0) pendingQuotes++;
    } else if (wordChar[c] === 1) {
      if (start < 0) {
        start = i;
        h = FNV_OFFSET;
      }
      for (; pendingQuotes > 0; pendingQuotes--) h = Math.imul(h ^ 39, FNV_PRIME);
      h = Math.imul(h ^ c, FNV_PRIME);
      end = i + 1;
    } else if (start >= 0) {
      if (count === buffers.hashes.length) grow(count + 1);
      buffers.hashes[count] = h;
      buffers.starts[count] = start;
      buffers.ends[count] = end;
      count++;
      start = -1;
      pendingQuotes = 0;
    }
  }
  return count;
}

export class RuleEngine {
  private readonly lexicon = new Map<number, LexEntry[]>();
  /** Open-addressing table of vocabulary hashes (typed arrays: the per-word probe is the hot path). */
  private readonly tableKeys: Int32Array;
  private readonly tableBuckets: Int32Array;
  private readonly buckets: LexEntry[][] = [];
  private readonly tableMask: number;
  private readonly slots: number;
  private readonly specs: readonly WordRuleSpec[];

  constructor(specs: readonly WordRuleSpec[]) {
    this.specs = specs;
    let slot = 0;
    specs.forEach((spec, rule) => {
      for (const sequence of spec.sequences ?? []) {
        sequence.forEach((term, index) => {
          for (const phrase of term.phrases) {
            const words = wordsOf(phrase);
            const lastWord = words.at(-1);
            if (lastWord === undefined || words.length > MAX_PHRASE_WORDS) {
              throw new Error(`rule ${spec.id}: bad phrase "${phrase}"`);
            }
            this.entry(lastWord).registrations.push({
              rule,
              slot: slot + index,
              term: index,
              last: index === sequence.length - 1,
              gap: term.gap,
              before: words.slice(0, -1).reverse().map(hashWord),
            });
          }
        });
        slot += sequence.length;
      }
      for (const trigger of spec.anchored?.triggers ?? []) {
        const words = wordsOf(trigger);
        if (words.length !== 1 || words[0] !== trigger)
          throw new Error(`rule ${spec.id}: trigger "${trigger}" is not one word`);
        this.entry(trigger).anchors.push(rule);
      }
      if (spec.anchored && !spec.anchored.pattern.sticky)
        throw new Error(`rule ${spec.id}: anchored pattern must be sticky`);
    });
    this.slots = slot;

    let size = 16;
    while (size < this.lexicon.size * 4) size *= 2;
    this.tableMask = size - 1;
    this.tableKeys = new Int32Array(size);
    this.tableBuckets = new Int32Array(size).fill(-1);
    for (const [hash, bucket] of this.lexicon) {
      let i = hash & this.tableMask;
      while (this.tableBuckets[i] !== -1) i = (i + 1) & this.tableMask;
      this.tableKeys[i] = hash | 0;
      this.tableBuckets[i] = this.buckets.length;
      this.buckets.push(bucket);
    }
  }

  private entry(word: string): LexEntry {
    const h = hashWord(word);
    const bucket = this.lexicon.get(h) ?? [];
    this.lexicon.set(h, bucket);
    let found = bucket.find((e) => e.word === word);
    if (found === undefined) {
      found = { word, registrations: [], anchors: [] };
      bucket.push(found);
    }
    return found;
  }

  /** Indices (into the specs) of the rules that match `text`. */
  match(text: string): Set<number> {
    const matched = new Set<number>();
    // Two most recent distinct ends (word index) at which each step of each sequence held.
    const lastEnd = new Int32Array(this.slots).fill(NEVER);
    const prevEnd = new Int32Array(this.slots).fill(NEVER);
    const ring = new Int32Array(MAX_PHRASE_WORDS);
    const words = tokenize(text);
    const { hashes, starts, ends } = buffers;
    const keys = this.tableKeys;
    const slots = this.tableBuckets;
    const mask = this.tableMask;
    for (let k = 0; k < words; k++) {
      const hash = hashes[k]!;
      // Probe the vocabulary table: almost every word finds an empty slot at once.
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const bucket = slots[slot]!;
        if (bucket === -1) break;
        if (keys[slot] !== hash) continue;
        for (const entry of this.buckets[bucket] ?? []) {
          if (sameWord(text, starts[k]!, ends[k]!, entry.word)) {
            this.step(entry, text, starts[k]!, k, ring, lastEnd, prevEnd, matched);
          }
        }
        break;
      }
      ring[k % MAX_PHRASE_WORDS] = hash;
    }

    this.specs.forEach((spec, rule) => {
      const needles = spec.needles;
      if (needles === undefined || matched.has(rule)) return;
      if (needles.literals.some((literal) => text.includes(literal)) && needles.pattern.test(text)) matched.add(rule);
    });
    return matched;
  }

  private step(
    entry: LexEntry,
    text: string,
    start: number,
    k: number,
    ring: Int32Array,
    lastEnd: Int32Array,
    prevEnd: Int32Array,
    matched: Set<number>,
  ): void {
    for (const r of entry.registrations) {
      if (matched.has(r.rule)) continue;
      // The phrase's earlier words must be the words just read.
      if (r.before.length > k) continue;
      let whole = true;
      for (let j = 0; j < r.before.length && whole; j++) {
        whole = ring[(k - 1 - j) % MAX_PHRASE_WORDS] === ((r.before[j] ?? 0) | 0);
      }
      if (!whole) continue;
      const first = k - r.before.length;
      if (r.term > 0) {
        // The previous step must have ended just before this phrase, at most `gap` words before.
        const a = lastEnd[r.slot - 1] ?? NEVER;
        const b = prevEnd[r.slot - 1] ?? NEVER;
        const low = first - 1 - r.gap;
        const ok = (a >= low && a <= first - 1) || (b >= low && b <= first - 1);
        if (!ok) continue;
      }
      if (r.last) {
        matched.add(r.rule);
        continue;
      }
      if (lastEnd[r.slot] !== k) {
        prevEnd[r.slot] = lastEnd[r.slot] ?? NEVER;
        lastEnd[r.slot] = k;
      }
    }
    for (const rule of entry.anchors) {
      const pattern = this.specs[rule]?.anchored?.pattern;
      if (pattern === undefined || matched.has(rule)) continue;
      pattern.lastIndex = start;
      if (pattern.test(text)) matched.add(rule);
    }
  }
}
