/**
 * Matches all word rules in one pass over the folded text, in time linear in its length whatever
 * the input: a rule is a sequence of terms (sets of phrases) with a bounded number of words
 * allowed between consecutive terms, tracked by a small automaton per sequence, so repeated
 * partial matches ("ignore ignore ignore …") cost a few integer comparisons each instead of a
 * regex retry. Words are hashed as they are read; only words in the rule vocabulary are sliced
 * and compared. A few rules need punctuation and are verified by a sticky regex anchored at a
 * trigger word, or run as a whole-text regex only when a rare literal is present.
 */

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

/** Word characters: ASCII letters, digits, apostrophe, and any non-ASCII non-space character. */
export function isWordCode(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || (c > 127 && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f))
  );
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
        if (wordsOf(trigger).join(" ") !== trigger) throw new Error(`rule ${spec.id}: trigger "${trigger}" is not one word`);
        this.entry(trigger).anchors.push(rule);
      }
      if (spec.anchored && !spec.anchored.pattern.sticky) throw new Error(`rule ${spec.id}: anchored pattern must be sticky`);
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

  /** Vocabulary words with this hash (usually none). */
  private lookup(hash: number): LexEntry[] | undefined {
    for (let i = hash & this.tableMask; ; i = (i + 1) & this.tableMask) {
      const bucket = this.tableBuckets[i] ?? -1;
      if (bucket === -1) return undefined;
      if (this.tableKeys[i] === hash) return this.buckets[bucket];
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
    let wordIndex = 0;
    let h = FNV_OFFSET;
    let start = -1;
    // Apostrophes belong to a word only between word characters ("don't"), not as quotes.
    let pendingQuotes = 0;
    let end = 0;

    const onWord = (end: number): void => {
      const hash = h | 0;
      const bucket = this.lookup(hash);
      if (bucket !== undefined) {
        const word = text.slice(start, end);
        const entry = bucket.find((e) => e.word === word);
        if (entry !== undefined) this.step(entry, text, start, wordIndex, ring, lastEnd, prevEnd, matched);
      }
      ring[wordIndex % MAX_PHRASE_WORDS] = hash;
      wordIndex++;
    };

    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 39) {
        if (start >= 0) pendingQuotes++;
      } else if (isWordCode(c)) {
        if (start < 0) {
          start = i;
          h = FNV_OFFSET;
        }
        for (; pendingQuotes > 0; pendingQuotes--) h = Math.imul(h ^ 39, FNV_PRIME);
        h = Math.imul(h ^ c, FNV_PRIME);
        end = i + 1;
      } else if (start >= 0) {
        onWord(end);
        start = -1;
        pendingQuotes = 0;
      }
    }
    if (start >= 0) onWord(end);

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
