import { PRIORITY, type Candidate, type Emit } from "./candidate.js";
import { at, isDigit, isWordChar } from "./chars.js";
import { luhnOverRanges } from "./checksum.js";
import type { TextIndex } from "./text-index.js";

// The longest layout, 4-4-4-4-3, has five groups.
const MAX_GROUPS = 5;
// Scratch space for one run's group bounds: start of group k at 2k, end at 2k + 1.
const bounds = new Int32Array(MAX_GROUPS * 2);

/**
 * Payment card numbers: 13–19 digits, written solid or in groups ("4111 1111 1111 1111",
 * "3714-496353-98431"), that pass Luhn and start with a known issuer prefix of the right length.
 * Card-shaped numbers failing either check become blockers (see candidate.ts).
 */
export function detectCards(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.digitRuns();
  let consumed = 0;
  for (let r = 0; r < count; r += 2) {
    const start = runs[r] ?? 0;
    const firstEnd = runs[r + 1] ?? 0;
    // Every card layout starts with at least four digits.
    if (start < consumed || firstEnd - start < 4 || !leftBoundaryOk(text, start)) continue;
    const best = bestCard(text, readGroups(text, start));
    // Without a card here, the next group may still start one ("12 4111 1111 1111 1111").
    consumed = best ? best.end : firstEnd;
    if (best) emit(best);
  }
}

/** Reads up to MAX_GROUPS digit groups joined by one consistent separator (space or hyphen). */
function readGroups(text: string, start: number): number {
  let sep = -1;
  let i = start;
  let k = 0;
  const n = text.length;
  for (;;) {
    bounds[2 * k] = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    bounds[2 * k + 1] = i;
    k++;
    if (k === MAX_GROUPS || i + 1 >= n) return k;
    const c = text.charCodeAt(i);
    if (!((c === 32 || c === 45) && (sep === -1 || sep === c) && isDigit(text.charCodeAt(i + 1)))) return k;
    sep = c;
    i++;
  }
}

function leftBoundaryOk(text: string, start: number): boolean {
  const p = at(text, start - 1);
  if (p === -1 || p === 32) return true; // a space, the common case, needs no further test
  if (isWordChar(p)) return false;
  // "12-4111…" or "1.4111…": the digits continue a bigger number.
  return !((p === 45 || p === 46 || p === 47) && isDigit(at(text, start - 2)));
}

/**
 * Tries the longest prefix of the groups that forms a card layout, so a trailing year or amount
 * ("4111 1111 1111 1111 2029") does not hide the card.
 */
function bestCard(text: string, count: number): Candidate | undefined {
  for (let k = count; k >= 1; k--) {
    if (!cardLayout(k)) continue;
    const start = bounds[0] ?? 0;
    const end = bounds[2 * k - 1] ?? 0;
    if (k === count && !rightBoundaryOk(text, end)) return undefined;
    const valid = luhnOverRanges(text, bounds, k) === true && issuerMatches(text, start, total(k));
    return { start, end, type: "CREDIT_CARD", priority: PRIORITY.checksummed, blocker: !valid };
  }
  return undefined;
}

function rightBoundaryOk(text: string, end: number): boolean {
  const c = at(text, end);
  if (c === -1) return true;
  if (isWordChar(c)) return false;
  return !((c === 46 || c === 47 || c === 44) && isDigit(at(text, end + 1)));
}

const len = (g: number): number => (bounds[2 * g + 1] ?? 0) - (bounds[2 * g] ?? 0);
const between = (v: number, lo: number, hi: number): boolean => v >= lo && v <= hi;

function total(k: number): number {
  let sum = 0;
  for (let g = 0; g < k; g++) sum += len(g);
  return sum;
}

/** Solid 13–19 digits, groups of four (last one shorter), or the 4-6-5 / 4-6-4 layouts. */
function cardLayout(k: number): boolean {
  const digits = total(k);
  if (digits < 13 || digits > 19) return false;
  if (k === 1) return true;
  if (k === 3 && len(0) === 4 && len(1) === 6) return len(2) === 5 || len(2) === 4;
  if (k < 4) return false;
  for (let g = 0; g < k - 1; g++) if (len(g) !== 4) return false;
  return len(k - 1) >= 1 && len(k - 1) <= 4;
}

/**
 * Issuer prefixes (IIN ranges) of the common networks with their card lengths. About a tenth of
 * random digit strings pass Luhn, so the prefix check is what keeps order numbers out.
 */
function issuerMatches(text: string, start: number, len: number): boolean {
  // The first group always has at least four digits.
  const p2 = (text.charCodeAt(start) - 48) * 10 + text.charCodeAt(start + 1) - 48;
  const p3 = p2 * 10 + text.charCodeAt(start + 2) - 48;
  const p4 = p3 * 10 + text.charCodeAt(start + 3) - 48;
  switch (text.charAt(start)) {
    case "4": // Visa
      return len === 13 || len === 16 || len === 19;
    case "5": // Mastercard 51–55, Maestro/Dankort 50, 56–59
      return between(p2, 51, 55) ? len === 16 : len >= 12 && len <= 19;
    case "2": // Mastercard 2221–2720
      return between(p4, 2221, 2720) && len === 16;
    case "3":
      if (p2 === 34 || p2 === 37) return len === 15; // American Express
      if (between(p3, 300, 305) || p2 === 36 || p2 === 38 || p2 === 39) return len >= 14 && len <= 19; // Diners
      return between(p4, 3528, 3589) && len >= 16 && len <= 19; // JCB
    case "6": // Discover, UnionPay, Maestro
      return len >= 16 && len <= 19;
    case "1": // UATP
      return len === 15;
    default:
      return false;
  }
}
