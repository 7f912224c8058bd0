import { PRIORITY, type Emit } from "./candidate.js";
import { at, isDigit, isWordChar } from "./chars.js";
import type { TextIndex } from "./text-index.js";
import { afterAddressWord, afterUsState } from "./context.js";

// How far back a "SSN"/"social security" keyword may sit to vouch for an unformatted number.
const CONTEXT_WINDOW = 48;
const CONTEXT = /\b(?:ssn|ss#|ss no|social[ -]security|soc\.? ?sec)/i;
// "07805-1121" is also a ZIP+4 code, which follows a state (code or name) or a postal word.
const POSTAL_WINDOW = 40;
const POSTAL_WORDS = ["zip", "postal", "post code", "postcode"];

/** Whether a ZIP+4-shaped number at `start` follows a state code or name, or a postal word. */
function postal(text: string, start: number): boolean {
  if (afterUsState(text, start)) return true;
  const before = text.slice(Math.max(0, start - POSTAL_WINDOW), start).toLowerCase();
  return POSTAL_WORDS.some((w) => before.includes(w));
}

/**
 * US Social Security numbers. "AAA-GG-SSSS" with one consistent separator (hyphen, space or dot)
 * is reported on its own, and so are the half-formatted hyphen spellings "078-051121" and
 * "07805-1121": digit groups of those lengths are rare outside SSNs, except that 5-4 is also a
 * ZIP+4 code, so that one is skipped after a state (code or name) or a postal word. Unformatted
 * numbers ("078051121") count only when an SSN keyword precedes them: on their own they are
 * indistinguishable from order numbers. Numbers in ranges the SSA never issues are skipped: area
 * 000, 666 or 900–999, group 00, serial 0000.
 */
export function detectSsns(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.digitRuns();
  let consumed = 0;
  for (let r = 0; r < count; r += 2) {
    const start = runs[r] ?? 0;
    const end = runs[r + 1] ?? 0;
    const len = end - start;
    if (start < consumed || (len !== 3 && len !== 5 && len !== 9)) continue;
    const found = matchAt(text, start, end);
    if (found === undefined) continue;
    emit({ start, end: found, type: "US_SSN", priority: PRIORITY.ssn });
    consumed = found;
  }
}

/** `runEnd` is the end of the digit run starting at `start`; returns the SSN end, if one starts here. */
function matchAt(text: string, start: number, runEnd: number): number | undefined {
  if (!leftOk(text, start)) return undefined;
  const first = runEnd - start;
  const sep = at(text, runEnd);
  const isSep = sep === 45 || sep === 32 || sep === 46;
  let digits: string;
  let end: number;
  let formatted = false;
  let zipShaped = false;
  if (first === 3 && isSep && run(text, runEnd + 1) === 2 && at(text, runEnd + 3) === sep) {
    // AAA-GG-SSSS
    if (run(text, runEnd + 4) !== 4) return undefined;
    end = runEnd + 8;
    digits = text.slice(start, start + 3) + text.slice(runEnd + 1, runEnd + 3) + text.slice(runEnd + 4, end);
    formatted = true;
  } else if (first === 9) {
    end = runEnd;
    digits = text.slice(start, end);
  } else if (
    (first === 3 && sep === 45 && run(text, runEnd + 1) === 6) ||
    (first === 5 && sep === 45 && run(text, runEnd + 1) === 4)
  ) {
    end = runEnd + 1 + (first === 3 ? 6 : 4);
    digits = text.slice(start, runEnd) + text.slice(runEnd + 1, end);
    formatted = true;
    zipShaped = first === 5;
  } else {
    return undefined;
  }
  if (!rightOk(text, end) || !issuable(digits)) return undefined;
  if (sep === 32 && afterAddressWord(text, start)) return undefined; // "Suite 680 36 4022 Oak Lane"
  const before = (window: number) => text.slice(Math.max(0, start - window), start);
  if (!formatted && !CONTEXT.test(before(CONTEXT_WINDOW))) return undefined;
  if (zipShaped && postal(text, start) && !CONTEXT.test(before(CONTEXT_WINDOW))) return undefined;
  return end;
}

/** Length of the digit run at `i`. */
function run(text: string, i: number): number {
  let j = i;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return j - i;
}

function leftOk(text: string, start: number): boolean {
  const p = at(text, start - 1);
  if (isWordChar(p) || p === 43 /* + */) return false;
  // "12-078-05-1123": the digits continue a longer dashed, dotted or slashed number.
  return !((p === 45 || p === 46 || p === 47) && isDigit(at(text, start - 2)));
}

function rightOk(text: string, end: number): boolean {
  const c = at(text, end);
  if (isWordChar(c)) return false;
  return !((c === 45 || c === 46 || c === 47) && isDigit(at(text, end + 1)));
}

function issuable(d: string): boolean {
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}
