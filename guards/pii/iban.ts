import { PRIORITY, type Emit } from "./candidate.js";
import { ibanMod97Valid } from "./checksum.js";
import { ibanLength } from "./iban-lengths.js";
import { at, isAsciiAlnum, isAsciiLetter, isDigit, isLower, isUpper, isWordChar } from "./chars.js";

const MAX_IBAN = 34;

/**
 * IBANs: country code, two check digits, then the account part, solid or in groups of four split by
 * one consistent space or hyphen. Reported only with the country's registered length and a valid
 * mod-97; IBAN-shaped tokens that fail become blockers so their digit groups are not re-read as
 * phone numbers.
 */
export function detectIbans(text: string, emit: Emit): void {
  const seed = new RegExp(SEED.source, "g");
  while (seed.test(text)) {
    const i = seed.lastIndex - 4;
    seed.lastIndex = startsIban(text, i) ? Math.max(readIban(text, i, emit), i + 1) : i + 1;
  }
}

/** Two letters then two digits: where every IBAN starts. Found natively, then checked in code. */
const SEED = /[A-Za-z]{2}[0-9]{2}/g;

function startsIban(text: string, i: number): boolean {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  return isUpper(a) === isUpper(b) && !isWordChar(at(text, i - 1));
}

/** Reads one candidate at `start` (already known to begin "CC00"); returns where scanning resumes. */
function readIban(text: string, start: number, emit: Emit): number {
  const sepChar = at(text, start + 4);
  const grouped = (sepChar === 32 || sepChar === 45) && isAsciiAlnum(at(text, start + 5));

  // Group ends (exclusive), so a too-long grouped run can be cut back at a group boundary.
  const groupEnds: number[] = [start + 4];
  let chars = 4;
  let i = start + 4;
  if (grouped) {
    while (at(text, i) === sepChar && isAsciiAlnum(at(text, i + 1)) && chars <= MAX_IBAN) {
      let g = i + 1;
      while (g < text.length && g - i - 1 < 4 && isAsciiAlnum(text.charCodeAt(g))) {
        g++;
      }
      const len = g - i - 1;
      chars += len;
      groupEnds.push(g);
      i = g;
      if (len < 4) break; // a short group ends the IBAN
    }
  } else {
    while (i < text.length && isAsciiAlnum(text.charCodeAt(i)) && chars <= MAX_IBAN) {
      i++;
      chars++;
    }
    groupEnds.push(i);
  }

  const country = text.slice(start, start + 2).toUpperCase();
  const expected = ibanLength(country);
  const end = expected === undefined ? undefined : cutAt(text, start, groupEnds, expected, grouped);
  if (end === undefined || !oneCase(text, start, end)) {
    // Not an IBAN; if it still looks like one, keep its pieces from being read as phone numbers.
    const lookAlike = lookAlikeEnd(text, start);
    if (alnumCount(text, start, lookAlike) >= 15) {
      emit({ start, end: lookAlike, type: "IBAN", priority: PRIORITY.checksummed, blocker: true });
    }
    return Math.max(i, lookAlike);
  }
  const blocker = { start, end, type: "IBAN" as const, priority: PRIORITY.checksummed, blocker: true };
  const compact = text.slice(start, end).replace(/[ -]/g, "").toUpperCase();
  const check = Number(compact.slice(2, 4));
  const valid = check >= 2 && check <= 98 && ibanMod97Valid(compact);
  emit(valid ? { ...blocker, end, blocker: false } : { ...blocker, end });
  return end;
}

/**
 * End of an IBAN-shaped stretch, read generously: groups joined by up to two spaces or hyphens
 * ("EE38 2200 2210  014 5686"), up to the longest IBAN, where each group has a digit or is a short
 * upper-case bank code (so prose words end it). Only used for blockers.
 */
function lookAlikeEnd(text: string, start: number): number {
  let end = start + 4;
  let chars = 4;
  while (chars < MAX_IBAN) {
    let k = end;
    while (k < text.length && k - end < 2 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 45)) k++;
    const groupStart = k;
    let digits = 0;
    let upper = 0;
    while (k < text.length && chars < MAX_IBAN && isAsciiAlnum(text.charCodeAt(k))) {
      if (isDigit(text.charCodeAt(k))) digits++;
      else if (isUpper(text.charCodeAt(k))) upper++;
      k++;
      chars++;
    }
    const len = k - groupStart;
    if (len === 0 || !(digits > 0 || (upper === len && len <= 4))) return end;
    end = k;
  }
  return end;
}

function alnumCount(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (isAsciiAlnum(text.charCodeAt(i))) n++;
  return n;
}

/** IBAN letters are all upper case (or, as typed by some people, all lower case). */
function oneCase(text: string, start: number, end: number): boolean {
  const upper = isUpper(text.charCodeAt(start));
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((upper ? isLower(c) : isUpper(c)) || !(isDigit(c) || isAsciiLetter(c) || c === 32 || c === 45)) return false;
  }
  return true;
}

/** End offset where exactly `expected` characters have been read, if that falls on a clean boundary. */
function cutAt(text: string, start: number, groupEnds: number[], expected: number, grouped: boolean) {
  const last = groupEnds[groupEnds.length - 1] ?? start;
  if (!grouped) return last - start === expected && !isWordChar(at(text, last)) ? last : undefined;
  let chars = 0;
  let prev = start - 1; // group k spans (prev + 1 .. end); the first group has no separator before it
  for (const end of groupEnds) {
    chars += end - prev - 1;
    prev = end;
    if (chars === expected) return isWordChar(at(text, end)) ? undefined : end;
    if (chars > expected) return undefined;
  }
  return undefined;
}
