/**
 * The detection form of a text: lowercased, diacritics and stacked marks dropped, look-alike
 * letters from other scripts folded to Latin, s p a c e d or d.o.t.t.e.d letters joined, leetspeak
 * folded where it spells a word the guard cares about, whitespace collapsed. Never shown to a
 * model. One pass into a reused buffer: inside a run of ASCII letters and digits a character costs
 * a table read and a store; everything else (where a word, a token or an encoded-looking run ends)
 * is decided at the character that ends the run. The same pass notes base64-looking runs, so the
 * decoder need not scan the text again.
 */
import {
  ALNUM,
  ALWAYS_FOLD,
  ASCII_CLASS,
  ASCII_LOWER,
  BASE64,
  BASE64_MARK,
  BOUNDARY_WORD,
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
 * digit, "+", "/" or "=" padding), as offsets into the folded text's source.
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
const LEET_MIX = LETTER | DIGIT | LEET_SIGN;

let buf = new Uint16Array(4096);
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });

function reserve(size: number): Uint16Array {
  if (buf.length < size) buf = new Uint16Array(Math.max(size, buf.length * 2));
  return buf;
}

function isLeetMix(flags: number): boolean {
  return (flags & LETTER) !== 0 && (flags & (DIGIT | LEET_SIGN)) !== 0;
}

export function foldText(clean: string, runs?: EncodedRuns): { folded: string; counts: FoldCounts } {
  const counts: FoldCounts = { homoglyphs: 0, combining_marks: 0, spaced_letters: 0, leetspeak: 0 };
  const n = clean.length;
  let out = reserve(n + 8);
  let w = 0;
  // Runs: ASCII letters and digits from `alnumStart`; base64 characters from `b64Start` (with
  // `b64Flags` the classes seen); a leetspeak token in `out` from `tokenStart` (`tokenFlags`).
  let alnumStart = 0;
  let afterWord = false;
  let b64Start = 0;
  let b64Flags = 0;
  let tokenStart = 0;
  let tokenFlags = 0;
  // A word holding a look-alike, open from `lookalikeStart` in `out` (-1: none).
  let lookalikeStart = -1;
  let lookalikeDone = 0;
  let noRunBefore = 0;
  let marks = 0;
  for (let i = 0; i < n; i++) {
    const c = clean.charCodeAt(i);
    const cls = c < 128 ? ASCII_CLASS[c]! : 0;
    if ((cls & ALNUM) !== 0) {
      out[w++] = ASCII_LOWER[c]!;
      b64Flags |= cls;
      tokenFlags |= cls;
      marks = 0;
      continue;
    }
    // The end of a run of ASCII letters and digits (or a character outside one).
    if (lookalikeStart >= 0 && c < 128) {
      foldLookalikes(out, lookalikeStart, w, counts);
      lookalikeDone = w;
      lookalikeStart = -1;
    }
    if (i - alnumStart === 1 && !afterWord && (cls & SEPARATOR) !== 0 && i - 1 >= noRunBefore) {
      const run = spacedRun(clean, i - 1);
      noRunBefore = run.last + 1;
      if (run.valid) {
        counts.spaced_letters++;
        // The run's first letter is already written; the joined run replaces it.
        w = emitJoined(clean, i - 1, run, out, w - 1, counts);
        i = run.last;
        alnumStart = b64Start = i + 1;
        b64Flags = 0;
        tokenStart = w;
        tokenFlags = 0;
        continue;
      }
    }
    alnumStart = i + 1;
    afterWord = c === 95 || (c >= 128 && foldsToWord(c));
    if ((cls & BASE64) !== 0) b64Flags |= cls;
    else {
      const length = i - b64Start;
      if (runs !== undefined && length >= MIN_ENCODED_RUN && ((b64Flags & BASE64_MARK) !== 0 || c === 61)) {
        note(runs, b64Start, i);
      }
      b64Start = i + 1;
      b64Flags = 0;
    }
    if (c < 128) {
      marks = 0;
      if ((cls & LEET_SIGN) !== 0) tokenFlags |= cls;
      else {
        if (isLeetMix(tokenFlags) && foldLeetToken(out, tokenStart, w)) counts.leetspeak++;
        tokenFlags = 0;
      }
      if ((cls & SPACE) === 0) out[w++] = c;
      else if (w > 0 && out[w - 1] !== 32) out[w++] = 32;
      if (tokenFlags === 0) tokenStart = w;
      continue;
    }
    // Outside ASCII: combining marks dropped, the rest folded unit by unit.
    if (isMark(c)) {
      if (++marks === STACKED_MARKS) counts.combining_marks++;
      continue;
    }
    marks = 0;
    const folded = foldUnit(c);
    if (folded === DROP) continue;
    const units = folded === SEVERAL ? foldedText(c) : undefined;
    if (units !== undefined) out = reserve(w + units.length + n - i + 8);
    for (let k = 0, count = units?.length ?? 1; k < count; k++) {
      const o = units === undefined ? folded : units.charCodeAt(k);
      const homoglyph = HOMOGLYPH[o] !== 0;
      if (homoglyph && lookalikeStart < 0) lookalikeStart = wordStart(out, w, lookalikeDone);
      else if (lookalikeStart >= 0 && LOOKALIKE_WORD[o] === 0) {
        foldLookalikes(out, lookalikeStart, w, counts);
        lookalikeDone = w;
        lookalikeStart = -1;
      }
      // A look-alike may be a letter of a leetspeak token ("pr3vіous"), once folded.
      const kind = homoglyph ? LETTER : o < 128 ? ASCII_CLASS[o]! & LEET_MIX : 0;
      if (kind !== 0) tokenFlags |= kind;
      else {
        if (isLeetMix(tokenFlags) && foldLeetToken(out, tokenStart, w)) counts.leetspeak++;
        tokenFlags = 0;
      }
      if (o !== 32) out[w++] = o;
      else if (w > 0 && out[w - 1] !== 32) out[w++] = 32;
      if (tokenFlags === 0) tokenStart = w;
    }
  }
  if (lookalikeStart >= 0) foldLookalikes(out, lookalikeStart, w, counts);
  if (isLeetMix(tokenFlags) && foldLeetToken(out, tokenStart, w)) counts.leetspeak++;
  if (runs !== undefined && n - b64Start >= MIN_ENCODED_RUN && (b64Flags & BASE64_MARK) !== 0) note(runs, b64Start, n);
  if (w > 0 && out[w - 1] === 32) w--;
  return { folded: utf16.decode(out.subarray(0, w)), counts };
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

/** For `\b` next to a spaced letter: a unit outside ASCII that folds to a Latin letter ("ö", "о"). */
function foldsToWord(c: number): boolean {
  const folded = foldUnit(c);
  if (folded === SEVERAL) return true;
  return folded > 0 && ((folded < 128 && (ASCII_CLASS[folded]! & BOUNDARY_WORD) !== 0) || HOMOGLYPH[folded] !== 0);
}

function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? ASCII_CLASS[c]! : 0;
}

interface SpacedRun {
  /** Index of the run's last letter. */
  last: number;
  /** Three or more single letters or digits, two of them letters ("1 2 3" and "e.g." are not). */
  valid: boolean;
  /** The separators after the first letter, packed (see `gapKey`). */
  firstGap: number;
}

/**
 * The spaced run whose first single letter or digit is at `start`: singles each standing alone,
 * separated by 1–3 separators. Bounded by its own length; the caller skips past it either way.
 */
function spacedRun(text: string, start: number): SpacedRun {
  let singles = 0;
  let letters = 0;
  let firstGap = -1;
  let at = start;
  for (;;) {
    singles++;
    if ((classAt(text, at) & LETTER) !== 0) letters++;
    let next = at + 1;
    while (next < text.length && next - at <= 3 && (classAt(text, next) & SEPARATOR) !== 0) next++;
    if (next === at + 1 || (classAt(text, next) & ALNUM) === 0) break;
    const after = text.charCodeAt(next + 1);
    if ((classAt(text, next + 1) & BOUNDARY_WORD) !== 0 || (after >= 128 && foldsToWord(after))) break;
    if (firstGap < 0) firstGap = gapKey(text, at + 1, next);
    at = next;
  }
  return { last: at, valid: singles >= 3 && letters >= 2, firstGap };
}

/** The separators between two letters, packed into a number (at most 3, each below 128). */
function gapKey(text: string, start: number, end: number): number {
  let key = 0;
  for (let i = start; i < end; i++) key = (key << 7) | text.charCodeAt(i);
  return key;
}

/**
 * Writes the run's letters lowercased at `w`, with a space wherever the gap differs from the
 * first one (the gap between words), folds leetspeak in each joined word, returns the new end.
 */
function emitJoined(
  text: string,
  start: number,
  run: SpacedRun,
  out: Uint16Array,
  w: number,
  counts: FoldCounts,
): number {
  let wordAt = w;
  let flags = 0;
  for (let at = start; ;) {
    const c = text.charCodeAt(at);
    out[w++] = ASCII_LOWER[c]!;
    flags |= ASCII_CLASS[c]!;
    if (at === run.last) break;
    let next = at + 1;
    while ((classAt(text, next) & ALNUM) === 0) next++;
    if (gapKey(text, at + 1, next) !== run.firstGap) {
      if (isLeetMix(flags) && foldLeetToken(out, wordAt, w)) counts.leetspeak++;
      out[w++] = 32;
      wordAt = w;
      flags = 0;
    }
    at = next;
  }
  if (isLeetMix(flags) && foldLeetToken(out, wordAt, w)) counts.leetspeak++;
  return w;
}
