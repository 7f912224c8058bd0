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
  BASE64_MARK,
  BASE64,
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
 * Where encodings may hide, as offsets into the folded text's source: runs of base64 characters
 * long enough to hold a payload and not plain words (they contain a digit, "+", "/" or "="
 * padding), and runs of dots, dashes, spaces and slashes long enough to be Morse code.
 */
export interface EncodedRuns {
  /** Capacity: runs past it are not noted. */
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  morseStarts: Int32Array;
  morseEnds: Int32Array;
  morseCount: number;
}

/** Shortest run worth decoding: 16 base64 characters are 12 bytes, about two words. */
export const MIN_ENCODED_RUN = 16;
/** Eight Morse letters need at least 15 characters (". . . . . . . ."). */
const MIN_MORSE_RUN = 15;
const STACKED_MARKS = 3;
const LEET_MIX = LETTER | DIGIT | LEET_SIGN;

/** Classes of every code unit (0 outside ASCII), so lookups need no range check. */
const CLASS = new Uint8Array(65_536);
CLASS.set(ASCII_CLASS);

let buf = new Uint16Array(4096);
const utf16 = new TextDecoder("utf-16le", { ignoreBOM: true });

function reserve(size: number): Uint16Array {
  if (buf.length < size) buf = new Uint16Array(Math.max(size, buf.length * 2));
  return buf;
}

/** Whether a token's classes mix letters with digits or @$! (where leetspeak may hide). */
function isLeetMix(flags: number): boolean {
  return (flags & LETTER) !== 0 && (flags & (DIGIT | LEET_SIGN)) !== 0;
}

export function foldText(clean: string, runs?: EncodedRuns): { folded: string; counts: FoldCounts } {
  const counts: FoldCounts = { homoglyphs: 0, combining_marks: 0, spaced_letters: 0, leetspeak: 0 };
  let w = foldInto(clean, runs, counts);
  // Trimmed: at most one space at each end, after collapsing.
  const from = w > 0 && buf[0] === 32 ? 1 : 0;
  if (w > from && buf[w - 1] === 32) w--;
  return { folded: utf16.decode(buf.subarray(from, Math.max(from, w))), counts };
}

/**
 * The fold pass into `buf`; returns the length written. One step past the end (a space) closes
 * whatever is open, so nothing but the loop runs here: code after a long loop that has never run
 * makes the optimized loop give up on every call.
 */
function foldInto(clean: string, runs: EncodedRuns | undefined, counts: FoldCounts): number {
  const n = clean.length;
  let out = reserve(n + 8);
  // Tables as locals: the loop reads them on every character, imports cost a check each time.
  const classes = CLASS;
  const lower = ASCII_LOWER;
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
  let lastMark = -2;
  let marks = 0;
  // A run of Morse characters from `morseStart` (-1: none), its last dot or dash before `morseEnd`.
  let morseStart = -1;
  let morseEnd = 0;
  for (let i = 0; i <= n; i++) {
    let c = i < n ? clean.charCodeAt(i) : 32;
    let cls = classes[c]!;
    if ((cls & ALNUM) !== 0) {
      // A run of ASCII letters and digits in a tight loop; the character that ends it is handled
      // right after, without a trip round the outer loop (one mispredicted branch per word, not two).
      let flags = 0;
      do {
        out[w++] = lower[c]!;
        flags |= cls;
        c = ++i < n ? clean.charCodeAt(i) : 32;
        cls = classes[c]!;
      } while ((cls & ALNUM) !== 0);
      b64Flags |= flags;
      tokenFlags |= flags;
    }
    // The end of a run of ASCII letters and digits (or a character outside one).
    if (lookalikeStart >= 0 && c < 128) {
      foldLookalikes(out, lookalikeStart, w, counts);
      lookalikeDone = w;
      lookalikeStart = -1;
    }
    // Morse code: dots, dashes, spaces and slashes with nothing else between (`alnumStart` is just
    // past the previous character outside a letter run, so `i === alnumStart` means adjacent).
    const morse = (c === 46 || c === 45 || c === 32 || c === 47) && i < n;
    if (morseStart >= 0 && (i !== alnumStart || !morse)) {
      if (runs !== undefined && morseEnd - morseStart >= MIN_MORSE_RUN) noteMorse(runs, morseStart, morseEnd);
      morseStart = -1;
    }
    if (morse) {
      if (morseStart < 0) morseStart = i;
      if (c !== 32 && c !== 47) morseEnd = i + 1;
    }
    // A single letter or digit standing alone before a separator may start a s p a c e d run.
    if (i - alnumStart === 1 && !afterWord && (cls & SEPARATOR) !== 0 && i - 1 >= noRunBefore) {
      joinSpaced(clean, i - 1, out, w, counts);
      noRunBefore = spaced.last + 1;
      if (spaced.valid) {
        counts.spaced_letters++;
        w = spaced.end;
        i = spaced.last;
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
      // "=" is padding: it ends the run, but marks it as encoded.
      const length = i - b64Start;
      if (runs !== undefined && length >= MIN_ENCODED_RUN && ((b64Flags & BASE64_MARK) !== 0 || c === 61)) {
        note(runs, b64Start, i);
      }
      b64Start = i + 1;
      b64Flags = 0;
    }
    if (c < 128) {
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
      marks = lastMark === i - 1 ? marks + 1 : 1;
      lastMark = i;
      if (marks === STACKED_MARKS) counts.combining_marks++;
      continue;
    }
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
  return w;
}

/** Start of the word ending at `end`, not before `floor`: each unit is visited twice at most. */
function wordStart(out: Uint16Array, end: number, floor: number): number {
  let start = end;
  while (start > floor && LOOKALIKE_WORD[out[start - 1]!] === 1) start--;
  return start;
}

function noteMorse(runs: EncodedRuns, start: number, end: number): void {
  if (runs.morseCount >= runs.morseStarts.length) return;
  runs.morseStarts[runs.morseCount] = start;
  runs.morseEnds[runs.morseCount] = end;
  runs.morseCount++;
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

/** The outcome of `joinSpaced`, reused. */
const spaced = { last: 0, valid: false, end: 0 };

/**
 * Joins the spaced run whose first single letter or digit is at `start` (already written at
 * `out[w - 1]`): singles each standing alone, separated by 1–3 separators. The letters are written
 * lowercased from `w - 1`, with a space wherever the gap differs from the first one (the gap
 * between words). Valid with three or more singles, two of them letters ("1 2 3" and "e.g." are
 * not); only then does the caller take the written run (`spaced.end`), and only then is leetspeak
 * folded in its words. Bounded by the run's length; the caller skips past it either way.
 */
function joinSpaced(text: string, start: number, out: Uint16Array, w: number, counts: FoldCounts): void {
  const n = text.length;
  let singles = 0;
  let letters = 0;
  let firstGap = -1;
  let at = start;
  const from = --w;
  for (;;) {
    const c = text.charCodeAt(at);
    singles++;
    letters += CLASS[c]! & LETTER;
    out[w++] = ASCII_LOWER[c]!;
    let next = at + 1;
    let gap = 0;
    while (next < n && next - at <= 3 && (CLASS[text.charCodeAt(next)]! & SEPARATOR) !== 0) {
      gap = (gap << 7) | text.charCodeAt(next);
      next++;
    }
    if (gap === 0 || next >= n || (CLASS[text.charCodeAt(next)]! & ALNUM) === 0) break;
    if (next + 1 < n) {
      const after = text.charCodeAt(next + 1);
      if ((CLASS[after]! & BOUNDARY_WORD) !== 0 || (after >= 128 && foldsToWord(after))) break;
    }
    if (firstGap < 0) firstGap = gap;
    else if (gap !== firstGap) out[w++] = 32;
    at = next;
  }
  spaced.last = at;
  spaced.valid = singles >= 3 && letters >= 2;
  spaced.end = w;
  if (!spaced.valid) return;
  // Leetspeak in each joined word ("1 g n 0 r 3" → "1gn0r3" → "ignore").
  let flags = 0;
  let wordAt = from;
  for (let j = from; j <= w; j++) {
    const u = j < w ? out[j]! : 32;
    if (u !== 32) {
      flags |= CLASS[u]!;
      continue;
    }
    if (isLeetMix(flags) && foldLeetToken(out, wordAt, j)) counts.leetspeak++;
    wordAt = j + 1;
    flags = 0;
  }
}
