/**
 * Matches all word rules in one pass over the words of the folded text, in time linear in its
 * length whatever the input: a rule is a sequence of terms (sets of phrases) with a bounded number
 * of words allowed between consecutive terms, tracked by a small automaton per sequence, so
 * repeated partial matches ("ignore ignore ignore …") cost a few integer comparisons each instead
 * of a regex retry. Words come hashed from the scan; only words whose hash is in the rule
 * vocabulary are compared character by character, and what a vocabulary word sets off is kept in
 * flat typed arrays. A few rules need punctuation: they are verified by a sticky regex anchored at
 * a trigger word, or run as a whole-text regex only when a literal occurs in the text.
 */
import {
  FNV_OFFSET,
  FNV_PRIME,
  literalIndex,
  scanFolded,
  words as wordBuffers,
  type LiteralIndex,
  type Scan,
} from "./scan.js";
import { isWordCode } from "./word-chars.js";

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
  /**
   * A regex over the whole text, run only when one of the literals occurs in it. Literals start
   * with punctuation or a symbol: a rule keyed on a word is an anchored one.
   */
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

/** Longest phrase, in words; the ring of recent word hashes is this long (a power of two). */
const MAX_PHRASE_WORDS = 8;
const RING_MASK = MAX_PHRASE_WORDS - 1;
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
  const found: string[] = [];
  let current = "";
  for (const ch of phrase.toLowerCase()) {
    if (isWordCode(ch.charCodeAt(0))) current += ch;
    else if (current !== "") {
      found.push(current);
      current = "";
    }
  }
  if (current !== "") found.push(current);
  return found;
}

export class RuleEngine {
  /** Literals of the needle rules, for the scan. */
  readonly literals: LiteralIndex;
  private readonly specs: readonly WordRuleSpec[];
  private readonly needleRules: number[] = [];
  // Open-addressing table of vocabulary hashes; a slot leads to the entries with that hash.
  private readonly tableKeys: Int32Array;
  private readonly tableEntries: Int32Array;
  private readonly tableMask: number;
  /** Entries with the same hash are adjacent: `entryWords[e]` while `entryHash[e]` is the same. */
  private readonly entryWords: string[] = [];
  private readonly entryHash: Int32Array;
  private readonly entryRegs: Int32Array;
  private readonly entryAnchors: Int32Array;
  // Registrations, flat: entry e owns [entryRegs[e], entryRegs[e + 1]).
  private readonly regRule: Int32Array;
  private readonly regSlot: Int32Array;
  private readonly regTerm: Int32Array;
  private readonly regLast: Uint8Array;
  private readonly regGap: Int32Array;
  private readonly regBefore: Int32Array;
  private readonly beforeHashes: Int32Array;
  private readonly anchorRules: Int32Array;
  private readonly slots: number;
  // Reused per match: two most recent distinct ends (word index) at which each step held.
  private readonly lastEnd: Int32Array;
  private readonly prevEnd: Int32Array;
  private readonly matched: Uint8Array;

  constructor(specs: readonly WordRuleSpec[]) {
    this.specs = specs;
    const lexicon = new Map<number, LexEntry[]>();
    const entry = (word: string): LexEntry => {
      const h = hashWord(word);
      const bucket = lexicon.get(h) ?? [];
      lexicon.set(h, bucket);
      let found = bucket.find((e) => e.word === word);
      if (found === undefined) {
        found = { word, registrations: [], anchors: [] };
        bucket.push(found);
      }
      return found;
    };
    let slot = 0;
    const literalGroups: string[][] = [];
    specs.forEach((spec, rule) => {
      for (const sequence of spec.sequences ?? []) {
        sequence.forEach((term, index) => {
          for (const phrase of term.phrases) {
            const phraseWords = wordsOf(phrase);
            const lastWord = phraseWords.at(-1);
            if (lastWord === undefined || phraseWords.length > MAX_PHRASE_WORDS) {
              throw new Error(`rule ${spec.id}: bad phrase "${phrase}"`);
            }
            entry(lastWord).registrations.push({
              rule,
              slot: slot + index,
              term: index,
              last: index === sequence.length - 1,
              gap: term.gap,
              before: phraseWords.slice(0, -1).reverse().map(hashWord),
            });
          }
        });
        slot += sequence.length;
      }
      for (const trigger of spec.anchored?.triggers ?? []) {
        const triggerWords = wordsOf(trigger);
        if (triggerWords.length !== 1 || triggerWords[0] !== trigger)
          throw new Error(`rule ${spec.id}: trigger "${trigger}" is not one word`);
        entry(trigger).anchors.push(rule);
      }
      if (spec.anchored && !spec.anchored.pattern.sticky)
        throw new Error(`rule ${spec.id}: anchored pattern must be sticky`);
      if (spec.needles) {
        // A literal led by a letter or digit would be checked at most characters: make it a trigger.
        if (spec.needles.literals.some((l) => !/^[^a-z0-9]/i.test(l)))
          throw new Error(`rule ${spec.id}: needle literals must not start with a letter or digit`);
        this.needleRules.push(rule);
        literalGroups.push([...spec.needles.literals]);
      }
    });
    this.slots = slot;
    this.literals = literalIndex(literalGroups);
    this.lastEnd = new Int32Array(slot);
    this.prevEnd = new Int32Array(slot);
    this.matched = new Uint8Array(specs.length);

    const entries = [...lexicon.values()].flat();
    const regs = entries.flatMap((e) => e.registrations);
    this.entryHash = Int32Array.from(entries, (e) => hashWord(e.word));
    this.entryRegs = new Int32Array(entries.length + 1);
    this.entryAnchors = new Int32Array(entries.length + 1);
    this.regRule = Int32Array.from(regs, (r) => r.rule);
    this.regSlot = Int32Array.from(regs, (r) => r.slot);
    this.regTerm = Int32Array.from(regs, (r) => r.term);
    this.regLast = Uint8Array.from(regs, (r) => (r.last ? 1 : 0));
    this.regGap = Int32Array.from(regs, (r) => r.gap);
    this.regBefore = new Int32Array(regs.length + 1);
    this.beforeHashes = Int32Array.from(regs.flatMap((r) => r.before));
    this.anchorRules = Int32Array.from(entries.flatMap((e) => e.anchors));
    regs.forEach((r, i) => (this.regBefore[i + 1] = this.regBefore[i]! + r.before.length));
    entries.forEach((e, i) => {
      this.entryWords.push(e.word);
      this.entryRegs[i + 1] = this.entryRegs[i]! + e.registrations.length;
      this.entryAnchors[i + 1] = this.entryAnchors[i]! + e.anchors.length;
    });

    let size = 16;
    while (size < lexicon.size * 4) size *= 2;
    this.tableMask = size - 1;
    this.tableKeys = new Int32Array(size);
    this.tableEntries = new Int32Array(size).fill(-1);
    for (let e = 0; e < entries.length; e++) {
      if (e > 0 && this.entryHash[e - 1] === this.entryHash[e]) continue;
      const hash = this.entryHash[e]!;
      let i = hash & this.tableMask;
      while (this.tableEntries[i] !== -1) i = (i + 1) & this.tableMask;
      this.tableKeys[i] = hash;
      this.tableEntries[i] = e;
    }
  }

  /** Indices (into the specs) of the rules that match `text`. */
  match(text: string): Set<number> {
    return this.matchScan(text, scanFolded(text, undefined, this.literals));
  }

  /** The same for a text just scanned with `literals` (its words are still in the buffers). */
  matchScan(text: string, scan: Scan): Set<number> {
    const matched = this.matched.fill(0);
    this.lastEnd.fill(NEVER);
    this.prevEnd.fill(NEVER);
    const ring = new Int32Array(MAX_PHRASE_WORDS);
    const { hashes, starts, ends } = wordBuffers;
    const keys = this.tableKeys;
    const table = this.tableEntries;
    const mask = this.tableMask;
    const entryWords = this.entryWords;
    const entryHash = this.entryHash;
    const words = scan.count;
    for (let k = 0; k < words; k++) {
      const hash = hashes[k]!;
      // Probe the vocabulary table: almost every word finds an empty slot at once.
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const e = table[slot]!;
        if (e === -1) break;
        if (keys[slot] !== hash) continue;
        for (let f = e; f < entryWords.length && entryHash[f] === hash; f++) {
          if (sameWord(text, starts[k]!, ends[k]!, entryWords[f]!)) this.step(f, text, starts[k]!, k, ring);
        }
        break;
      }
      ring[k & RING_MASK] = hash;
    }

    this.needleRules.forEach((rule, group) => {
      const pattern = this.specs[rule]?.needles?.pattern;
      if (matched[rule] === 0 && (scan.literals & (1 << group)) !== 0 && pattern?.test(text)) matched[rule] = 1;
    });
    const result = new Set<number>();
    for (let rule = 0; rule < matched.length; rule++) if (matched[rule] === 1) result.add(rule);
    return result;
  }

  private step(e: number, text: string, start: number, k: number, ring: Int32Array): void {
    const matched = this.matched;
    const lastEnd = this.lastEnd;
    const prevEnd = this.prevEnd;
    for (let r = this.entryRegs[e]!, stop = this.entryRegs[e + 1]!; r < stop; r++) {
      const rule = this.regRule[r]!;
      if (matched[rule] === 1) continue;
      // The phrase's earlier words must be the words just read.
      const from = this.regBefore[r]!;
      const before = this.regBefore[r + 1]! - from;
      if (before > k) continue;
      let whole = true;
      for (let j = 0; j < before && whole; j++) {
        whole = ring[(k - 1 - j) & RING_MASK] === this.beforeHashes[from + j];
      }
      if (!whole) continue;
      const slot = this.regSlot[r]!;
      if (this.regTerm[r]! > 0) {
        // The previous step must have ended just before this phrase, at most `gap` words before.
        const first = k - before;
        const low = first - 1 - this.regGap[r]!;
        const a = lastEnd[slot - 1]!;
        const b = prevEnd[slot - 1]!;
        if (!((a >= low && a <= first - 1) || (b >= low && b <= first - 1))) continue;
      }
      if (this.regLast[r] === 1) {
        matched[rule] = 1;
        continue;
      }
      if (lastEnd[slot] !== k) {
        prevEnd[slot] = lastEnd[slot]!;
        lastEnd[slot] = k;
      }
    }
    for (let a = this.entryAnchors[e]!, stop = this.entryAnchors[e + 1]!; a < stop; a++) {
      const rule = this.anchorRules[a]!;
      const pattern = this.specs[rule]?.anchored?.pattern;
      if (pattern === undefined || matched[rule] === 1) continue;
      pattern.lastIndex = start;
      if (pattern.test(text)) matched[rule] = 1;
    }
  }
}
