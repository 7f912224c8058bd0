import { PRIORITY, type Emit } from "./candidate.js";
import { at, isDigit, isWordChar } from "./chars.js";
import {
  afterAddressWord,
  afterPhoneWord,
  afterPostalContext,
  afterReferenceWord,
  beforeStreetName,
} from "./context.js";
import type { TextIndex } from "./text-index.js";

/**
 * Phone numbers, international ("+44 20 7946 0958", "0044 …") and national ("(415) 555-0132",
 * "06-10446904", "0487 23 46 71", "833.719.3994x1887"). The scanner reads a run of digit groups
 * joined by single separators, then judges the run as a whole: digit count, layout, and a few
 * shapes that are something else (dates, versions, dotted quads, SSN layout, thousands).
 */
export function detectPhones(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.digitRuns();
  let consumed = 0;
  for (let r = 0; r < count; r += 2) {
    const digitStart = runs[r] ?? 0;
    if (digitStart < consumed) continue;
    // The number may open with "(" and/or "+" right before its first digit.
    let start = digitStart;
    if (at(text, start - 1) === 40 /* ( */) start--;
    if (at(text, start - 1) === 43 /* + */) start--;
    if (start < consumed) start = digitStart;
    const digitEnd = runs[r + 1] ?? 0;
    // Most digit runs are short numbers standing alone ("42", "2024"): rejected without reading.
    if (digitEnd - digitStart < 6 && !continues(text, digitEnd)) {
      consumed = digitEnd;
      continue;
    }
    let run = readRun(text, start);
    if (run.groups.length === 0 && start !== digitStart) run = readRun(text, (start = digitStart)); // "(5551234567"
    consumed = Math.max(run.end, digitEnd);
    if (run.digits < 6 || !leftOk(text, start)) continue;
    const found = judge(text, run);
    if (found) emit({ start: found[0], end: found[1], type: "PHONE", priority: PRIORITY.phone });
  }
}

interface Group {
  start: number;
  end: number;
  digits: number;
  paren: boolean;
  /** Separator before this group (0 for the first group and after a closing parenthesis). */
  sep: number;
}

interface Run {
  start: number;
  /** Where scanning resumes: the end of everything that looked phone-like. */
  end: number;
  plus: boolean;
  groups: Group[];
  /** Digits over all groups; Infinity when the run has more groups than any phone number. */
  digits: number;
}

/** No phone number has this many groups; past them only the end of the run is looked for. */
const MAX_KEPT_GROUPS = 10;

/** End of a run that is already too long to be a phone number: digits joined by one separator. */
function skipTail(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      i++;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    if (!((c === 32 || c === 45 || c === 46) && next >= 48 && next <= 57)) return i;
    i++;
  }
  return i;
}

/**
 * Reads digit groups ("415", "(415)") joined by single separators. A run with more groups than a
 * phone number can have is skipped to its end in one cheap pass (and reported as too long).
 */
function readRun(text: string, start: number): Run {
  const groups: Group[] = [];
  let i = start;
  const plus = text.charCodeAt(i) === 43;
  if (plus) i++;
  let digits = 0;
  let sep = 0;
  for (;;) {
    if (groups.length === MAX_KEPT_GROUPS) return { start, end: skipTail(text, i), plus, groups, digits: Infinity };
    const paren = at(text, i) === 40;
    let j = paren ? i + 1 : i;
    const ds = j;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    const groupDigits = j - ds;
    if (groupDigits === 0) break;
    if (paren) {
      if (at(text, j) !== 41 /* ) */ || groupDigits > 5) break;
      j++;
      if (at(text, j) === 32 && startsGroup(text, j + 1)) j++; // "(415) 555"
    }
    digits += groupDigits;
    groups.push({ start: i, end: j, digits: groupDigits, paren, sep });
    i = j;
    const c = at(text, i);
    if ((c === 32 || c === 45 || c === 46) && startsGroup(text, i + 1)) {
      sep = c;
      i++;
    } else if (paren && startsGroup(text, i)) {
      sep = 0; // "(415)555-0132"
    } else {
      break;
    }
  }
  return { start, end: i, plus, groups, digits };
}

/** Whether a phone number could go on after the digits ending at `end`. */
function continues(text: string, end: number): boolean {
  const c = at(text, end);
  if (c === 32 || c === 45 || c === 46) return startsGroup(text, end + 1);
  return c === 41 /* ) */ && (startsGroup(text, end + 1) || startsGroup(text, end + 2));
}

const startsGroup = (text: string, i: number) =>
  isDigit(at(text, i)) || (at(text, i) === 40 && isDigit(at(text, i + 1)));

/** "x818", " x 818", " ext. 818", "#818" right after the number. */
function extensionEnd(text: string, i: number): number {
  let j = i;
  if (at(text, j) === 32) j++;
  const lower = text.slice(j, j + 4).toLowerCase();
  if (lower.startsWith("ext")) j += lower.startsWith("ext.") ? 4 : 3;
  else if (lower.startsWith("x") || lower.startsWith("#")) j += 1;
  else return i;
  if (at(text, j) === 32) j++;
  const ds = j;
  while (j < text.length && j - ds < 6 && isDigit(text.charCodeAt(j))) j++;
  return j > ds && !isWordChar(at(text, j)) ? j : i;
}

// A run right after one of these continues a bigger token ("ID-12345", "v1.2", "a/b") or is money,
// a percentage, a count or a reference, not a phone number.
const BAD_BEFORE = new Set("-./\\#$€£¥%@_".split("").map((ch) => ch.charCodeAt(0)));

function leftOk(text: string, start: number): boolean {
  const p = at(text, start - 1);
  return p === -1 || (!isWordChar(p) && !BAD_BEFORE.has(p));
}

/** The phone span inside the run, if the run (or a tail of it after a space) is a phone number. */
function judge(text: string, run: Run): [number, number] | undefined {
  const whole = evaluate(text, run, 0);
  if (whole) return whole;
  // "account 12 3456 7890": a reference number's tail is no phone number either.
  if (!run.plus && afterReferenceWord(text, run.start) && !afterPhoneWord(text, run.start)) return undefined;
  // "SD 20241 440-600-5124": a postcode or count glued on by a space; retry without leading groups.
  for (let k = 1; k < Math.min(run.groups.length, 4); k++) {
    const g = run.groups[k];
    if (!g || g.sep !== 32) continue;
    const tail = evaluate(text, run, k);
    if (tail) return tail;
  }
  return undefined;
}

function evaluate(text: string, run: Run, from: number): [number, number] | undefined {
  const groups = run.groups.slice(from);
  const first = groups[0];
  const last = groups[groups.length - 1];
  if (!first || !last) return undefined;
  if (!Number.isFinite(run.digits)) return undefined;
  const digits = groups.reduce((a, g) => a + g.digits, 0);
  const plus = from === 0 && run.plus;
  const start = plus ? run.start : first.start;
  const end = last.end === run.end ? extensionEnd(text, run.end) : last.end;
  if (last.end === run.end && !rightOk(text, end)) return undefined;
  if (!plausible(text, groups, digits, plus)) return undefined;
  if (!plus && afterAddressWord(text, start)) return undefined;
  if (!plus && !groups.some((g) => g.paren) && !addressOrReferenceFree(text, groups, start, end)) return undefined;
  return [start, end];
}

/**
 * Digit runs of addresses and references rather than phone numbers: a ZIP / ZIP+4 code ("CA
 * 94043-1351", "ZIP 94043 1351", a leading "90210" before the real number), a house number
 * before a street name ("1234 5678 Oak Avenue"), a number after "invoice", "order no.",
 * "account"… A phone keyword before the number ("tel", "call", "phone number") overrides all but
 * the five-digit ZIP after a state or postal word.
 */
function addressOrReferenceFree(text: string, groups: Group[], start: number, end: number): boolean {
  const first = groups[0];
  if (!first) return false;
  // A five-digit ZIP after a state or postal word: the number, if any, starts after it.
  if (first.digits === 5 && afterPostalContext(text, start)) return false;
  const phoneWord = afterPhoneWord(text, start);
  if (!phoneWord && beforeStreetName(text, end)) return false;
  // ZIP+4 "94043-1351" / "94043 1351": five then four digits.
  if (groups.length === 2 && first.digits === 5 && groups[1]?.digits === 4 && !phoneWord) return false;
  if (!phoneWord && afterReferenceWord(text, start)) return false;
  return true;
}

// Followed by a digit, these make the run part of a longer number, a time or arithmetic.
const CONTINUES_NUMBER = new Set("/.-,:=+*<>".split("").map((ch) => ch.charCodeAt(0)));

function rightOk(text: string, end: number): boolean {
  const c = at(text, end);
  if (c === -1) return true;
  if (isWordChar(c)) return false;
  // "555-1234/56", "555.1234.5", "2024-01-02 14:30", "68-70-69=207", "12-34%": the number goes on.
  if (CONTINUES_NUMBER.has(c) && isDigit(at(text, end + 1))) return false;
  return c !== 37; /* % */
}

function plausible(text: string, groups: Group[], digits: number, plus: boolean): boolean {
  const firstGroup = groups[0];
  if (!firstGroup) return false;
  const firstText = digitsOf(text, firstGroup);
  const intlPrefix = !plus && firstText.startsWith("00");
  if (plus) {
    if (digits < 8 || digits > 15) return false;
  } else if (intlPrefix) {
    if (digits < 10 || digits > 15) return false;
  } else if (digits < 6 || digits > 12) {
    return false;
  }
  const layout = groups.map((g) => g.digits);
  const seps = new Set(groups.slice(1).map((g) => g.sep));
  if (groups.length === 1) return plus || solidNational(firstText);
  if (groups.some((g) => g.digits > 8)) return false;
  // Six digits pass only as three or more space-separated pairs ("33 93 31"), not "68-70-69".
  if (digits === 6 && !(groups.length >= 3 && layout.every((d) => d === 2) && !seps.has(45))) return false;
  if (digits === 7 && groups.length === 2 && firstGroup.digits <= 2) return false;

  if (seps.has(46 /* . */)) {
    // Dotted numbers are phones only in the "833.719.3994" / "02.27.96.63.08" styles.
    if (seps.size > 1 || groups.length < 3 || layout.some((d) => d < 2)) return false;
    if (groups.length === 4 && layout.every((d) => d <= 3)) return false; // dotted quad
  }
  if (!plus && !groups.some((g) => g.paren)) {
    if (isDateLike(text, groups)) return false;
    if (groups.length === 3 && layout.join() === "3,2,4" && seps.size === 1) return false; // SSN layout
    if (isRange(text, groups)) return false;
    if (isThousands(layout, seps, firstText)) return false;
  }
  return true;
}

const digitsOf = (text: string, g: Group) => text.slice(g.start, g.end).replace(/\D/g, "");

// NANP: area code and exchange both start with 2–9 (which also rules out Unix timestamps).
const nanp = (s: string): boolean => s.length === 10 && s.charAt(0) >= "2" && s.charAt(3) >= "2";
const isYear = (y: number): boolean => y >= 1900 && y <= 2099;
const dayMonth = (x: number, y: number): boolean => x >= 1 && x <= 31 && y >= 1 && y <= 31 && (x <= 12 || y <= 12);

/** Unseparated numbers: only the lengths of full national numbers, NANP and Chinese mobile rules. */
function solidNational(d: string): boolean {
  if (d.length === 10) return nanp(d);
  if (d.length === 11 && d.charAt(0) === "1") return (d.charAt(1) >= "3" && d.charAt(1) <= "9") || nanp(d.slice(1));
  return false;
}

/** Dates: "2024-01-31" (also when a time follows), "31.01.2024", "12 05 23". */
function isDateLike(text: string, groups: Group[]): boolean {
  if (groups.length < 3) return false;
  const lead = groups.slice(0, 3);
  const [a = 0, b = 0, c = 0] = lead.map((g) => Number(digitsOf(text, g)));
  const lens = lead.map((g) => g.digits).join();
  if (groups.length > 3) return lens === "4,2,2" && isYear(a) && b >= 1 && b <= 12;
  if (lens === "4,2,2") return isYear(a) && dayMonth(b, c);
  if (lens === "2,2,4") return isYear(c) && dayMonth(a, b);
  if (lens === "2,2,2") return dayMonth(a, b) || dayMonth(b, c);
  return false;
}

/**
 * "1998-2004", "500-1000", "875-2022": two hyphenated numbers rising from the first to the second
 * are a range. National numbers written this way start with a trunk "0" ("06-10446904").
 */
function isRange(text: string, groups: Group[]): boolean {
  const [a, b] = groups;
  if (groups.length !== 2 || !a || !b || b.sep !== 45) return false;
  const x = digitsOf(text, a);
  const y = digitsOf(text, b);
  return x.charAt(0) !== "0" && y.charAt(0) !== "0" && Number(x) < Number(y);
}

/** "1 000 000" or "2.500.000": a number with thousands separators. */
function isThousands(layout: number[], seps: Set<number>, firstText: string): boolean {
  return layout[0] === 1 && firstText !== "0" && layout.slice(1).every((d) => d === 3) && !seps.has(45);
}
