/**
 * The detection form of a text: lowercased, diacritics and stacked marks dropped, look-alike
 * letters from other scripts folded to Latin, s p a c e d or d.o.t.t.e.d letters joined, leetspeak
 * folded where it spells a word the guard cares about, whitespace collapsed. Never shown to a
 * model. Two passes over a reused buffer whatever the text holds: the first reads the string
 * (case, marks, look-alikes, and the runs a decoder may want), the second rewrites the buffer in
 * place (spacing, leetspeak, whitespace). Every rewrite keeps or shortens the text, so writing
 * never overtakes reading.
 */
import {
  ALWAYS_FOLD,
  ASCII_CLASS,
  BASE64,
  BASE64_MARK,
  DIGIT,
  DROP,
  foldedText,
  foldUnit,
  HOMOGLYPH,
  isMark,
  LEET_SIGN,
  LETTER,
  LOOKALIKE_WORD,
  NATIVE,
  SEPARATOR,
  SEVERAL,
  SPACE,
} from "./normalize-fold-tables.js";
import { foldLeetToken } from "./normalize-leet.js";

export interface FoldCounts {
  homoglyphs: number;
  combining_marks: number;
  spaced_letters: number;
  leetspeak: number;
}

/**
 * Runs of base64 characters long enough to hold a payload and not plain words (they contain a
 * digit, "+", "/" or "=" padding), noted by the first pass so the decoder need not scan again.
 */
export interface EncodedRuns {
  /** Capacity: runs past it are not noted. */
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/** Shortest run worth decoding: 16 base64 characters are 12 bytes, about two words. */
export const MIN_ENCODED_RUN = 16;
const STACKED_MARKS = 3;

let buf = new Uint16Array(4096);
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });

function reserve(size: number): void {
  if (buf.length >= size) return;
  const next = new Uint16Array(Math.max(size, buf.length * 2));
  next.set(buf);
  buf = next;
}

export function foldText(clean: string, runs?: EncodedRuns): { folded: string; counts: FoldCounts } {
  const counts: FoldCounts = { homoglyphs: 0, combining_marks: 0, spaced_letters: 0, leetspeak: 0 };
  const length = joinAndCollapse(lowerAndFold(clean, counts, runs), counts);
  return { folded: utf16.decode(buf.subarray(0, length)), counts };
}

/** Pass 1: `text` lowercased and folded into `buf`; returns the length written. */
function lowerAndFold(text: string, counts: FoldCounts, runs: EncodedRuns | undefined): number {
  const n = text.length;
  reserve(n + 8);
  let out = buf;
  let w = 0;
  let runStart = -1;
  let runMarked = false;
  let marks = 0;
  // The word being written that holds a look-alike, from its start; -1 when none is open.
  let lookalikeStart = -1;
  let lookalikeDone = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const cls = ASCII_CLASS[c]!;
      if ((cls & BASE64) !== 0) {
        if (runStart < 0) {
          runStart = i;
          runMarked = false;
        }
        if ((cls & BASE64_MARK) !== 0) runMarked = true;
      } else if (runStart >= 0) {
        // "=" is padding: it ends the run, but marks it as encoded.
        if (runs !== undefined && i - runStart >= MIN_ENCODED_RUN && (runMarked || c === 61)) note(runs, runStart, i);
        runStart = -1;
      }
      marks = 0;
      const o = c >= 65 && c <= 90 ? c + 32 : c;
      if (lookalikeStart >= 0 && LOOKALIKE_WORD[o] === 0) {
        foldLookalikes(out, lookalikeStart, w, counts);
        lookalikeDone = w;
        lookalikeStart = -1;
      }
      out[w++] = o;
      continue;
    }
    if (runStart >= 0) {
      if (runs !== undefined && i - runStart >= MIN_ENCODED_RUN && runMarked) note(runs, runStart, i);
      runStart = -1;
    }
    if (isMark(c)) {
      if (++marks === STACKED_MARKS) counts.combining_marks++;
      continue;
    }
    marks = 0;
    const folded = foldUnit(c);
    if (folded === DROP) continue;
    // Most units fold to one; a few (dotted capital I) to several, which need room.
    const units = folded === SEVERAL ? foldedText(c) : undefined;
    if (units !== undefined) {
      reserve(w + units.length + n - i + 8);
      out = buf;
    }
    for (let k = 0, count = units?.length ?? 1; k < count; k++) {
      const o = units === undefined ? folded : units.charCodeAt(k);
      if (HOMOGLYPH[o] !== 0 && lookalikeStart < 0) {
        lookalikeStart = wordStart(out, w, lookalikeDone);
      } else if (lookalikeStart >= 0 && LOOKALIKE_WORD[o] === 0) {
        foldLookalikes(out, lookalikeStart, w, counts);
        lookalikeDone = w;
        lookalikeStart = -1;
      }
      out[w++] = o;
    }
  }
  if (runStart >= 0 && runs !== undefined && n - runStart >= MIN_ENCODED_RUN && runMarked) note(runs, runStart, n);
  if (lookalikeStart >= 0) foldLookalikes(out, lookalikeStart, w, counts);
  return w;
}

/** Start of the word ending at `end`, not before `floor`: each unit is visited twice at most. */
function wordStart(out: Uint16Array, end: number, floor: number): number {
  let start = end;
  while (start > floor && LOOKALIKE_WORD[out[start - 1]!] === 1) start--;
  return start;
}

function note(runs: EncodedRuns, start: number, end: number): void {
  if (runs.count >= runs.starts.length) return;
  runs.starts[runs.count] = start;
  runs.ends[runs.count] = end;
  runs.count++;
}

/**
 * Folds the look-alikes of one word: in a word with ASCII letters (a disguise), or small capitals
 * and IPA anywhere. A lone styled letter is a symbol and native letters are not tricks: not counted.
 */
function foldLookalikes(out: Uint16Array, start: number, end: number, counts: FoldCounts): void {
  let mixed = false;
  for (let j = start; j < end && !mixed; j++) mixed = out[j]! >= 97 && out[j]! <= 122;
  for (let j = start; j < end; j++) {
    const c = out[j]!;
    const latin = HOMOGLYPH[c]!;
    if (latin === 0 || !(mixed || ALWAYS_FOLD[c] === 1)) continue;
    out[j] = latin;
    if (end - start > 1 && NATIVE[c] === 0) counts.homoglyphs++;
  }
}

const ALNUM = LETTER | DIGIT;
const TOKEN = LETTER | DIGIT | LEET_SIGN;

function classOf(c: number): number {
  return c < 128 ? ASCII_CLASS[c]! : 0;
}

/** A letter or digit for `\b`: also "_". */
function isBoundaryWord(c: number): boolean {
  return (classOf(c) & ALNUM) !== 0 || c === 95;
}

/** Pass 2, in place over `buf[0, length)`: spaced letters joined, leetspeak folded, whitespace collapsed. */
function joinAndCollapse(length: number, counts: FoldCounts): number {
  const b = buf;
  let w = 0;
  let pendingSpace = false;
  let tokenStart = -1;
  let tokenKinds = 0;
  let previous = 32;
  let noRunBefore = 0;
  for (let r = 0; r < length; r++) {
    let c = b[r]!;
    let cls = classOf(c);
    if ((cls & ALNUM) !== 0 && r >= noRunBefore && r + 1 < length && (classOf(b[r + 1]!) & SEPARATOR) !== 0) {
      if (!isBoundaryWord(previous)) {
        const run = spacedRun(b, r, length);
        noRunBefore = run.last + 1;
        if (run.valid) {
          counts.spaced_letters++;
          r = joinRun(b, r, run.last, run.firstGap);
          c = b[r]!;
          cls = classOf(c);
        }
      }
    }
    previous = c;
    if ((cls & SPACE) !== 0) {
      if (tokenStart >= 0) {
        if (tokenKinds === 3 && foldLeetToken(b, tokenStart, w)) counts.leetspeak++;
        tokenStart = -1;
      }
      if (w > 0) pendingSpace = true;
      continue;
    }
    if (pendingSpace) {
      b[w++] = 32;
      pendingSpace = false;
    }
    if ((cls & TOKEN) !== 0) {
      if (tokenStart < 0) {
        tokenStart = w;
        tokenKinds = 0;
      }
      tokenKinds |= (cls & LETTER) !== 0 ? 1 : 2;
    } else if (tokenStart >= 0) {
      if (tokenKinds === 3 && foldLeetToken(b, tokenStart, w)) counts.leetspeak++;
      tokenStart = -1;
    }
    b[w++] = c;
  }
  if (tokenStart >= 0 && tokenKinds === 3 && foldLeetToken(b, tokenStart, w)) counts.leetspeak++;
  return w;
}

/**
 * The spaced run starting at `r`: single letters or digits, each standing alone, separated by 1–3
 * separators. Valid with three or more of them, two of them letters (so "1 2 3" and "e.g." stay).
 */
function spacedRun(b: Uint16Array, r: number, length: number): { last: number; valid: boolean; firstGap: number } {
  let singles = 0;
  let letters = 0;
  let firstGap = -1;
  let at = r;
  for (;;) {
    singles++;
    if ((classOf(b[at]!) & LETTER) !== 0) letters++;
    let gap = at + 1;
    while (gap < length && gap - at <= 3 && (classOf(b[gap]!) & SEPARATOR) !== 0) gap++;
    const next = gap;
    if (gap - at - 1 === 0 || next >= length || (classOf(b[next]!) & ALNUM) === 0) break;
    if (next + 1 < length && isBoundaryWord(b[next + 1]!)) break;
    if (firstGap < 0) firstGap = gapKey(b, at + 1, next);
    at = next;
  }
  return { last: at, valid: singles >= 3 && letters >= 2, firstGap };
}

/** The separators between two letters, packed into a number (at most 3, each below 128). */
function gapKey(b: Uint16Array, start: number, end: number): number {
  let key = 0;
  for (let i = start; i < end; i++) key = (key << 7) | b[i]!;
  return key;
}

/**
 * Rewrites the run `b[r, last]` as its letters, with a space wherever the gap differs from the
 * first one (the gap between words), right-aligned at `last`: written backwards, each write lands
 * on a unit already read. Returns where the joined text starts.
 */
function joinRun(b: Uint16Array, r: number, last: number, firstGap: number): number {
  let q = last;
  let at = last;
  for (;;) {
    const letter = b[at]!;
    b[q--] = letter;
    if (at === r) break;
    let previous = at - 1;
    while (previous > r && (classOf(b[previous]!) & SEPARATOR) !== 0) previous--;
    if (gapKey(b, previous + 1, at) !== firstGap) b[q--] = 32;
    at = previous;
  }
  return q + 1;
}
