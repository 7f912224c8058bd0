import { PRIORITY, type Candidate, type Emit } from "./candidate.js";
import { at, isDigit, isWordChar } from "./chars.js";
import { luhnOverRanges } from "./checksum.js";
import type { TextIndex } from "./text-index.js";

// The longest layout, 4-4-4-4-3, has five groups.
const MAX_GROUPS = 5;
// Scratch space for one run's group bounds: start of group k at 2k, end at 2k + 1.
const bounds = new Int32Array(MAX_GROUPS * 2);

/**
 * Payment card numbers: 12–19 digits, written solid or in groups ("4111 1111 1111 1111",
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
  if (isWordChar(p) || p === 43) return false; // "+…": an international phone number
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
    const digits = total(k);
    const valid = luhnOverRanges(text, bounds, k) === true && issuerMatches(text, start, digits);
    // Twelve digits are a card only when valid: as a look-alike they would block phone numbers.
    if (!valid && digits < 13) continue;
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

function total(k: number): number {
  let sum = 0;
  for (let g = 0; g < k; g++) sum += len(g);
  return sum;
}

/**
 * Solid 12–19 digits, groups of four (last one shorter; 4-4-4 for 12-digit Maestro), or the
 * 4-6-5 / 4-6-4 layouts.
 */
function cardLayout(k: number): boolean {
  const digits = total(k);
  if (digits < 12 || digits > 19) return false;
  if (k === 1) return true;
  if (k === 3 && len(0) === 4 && len(1) === 6) return len(2) === 5 || len(2) === 4;
  if (k < 3) return false;
  for (let g = 0; g < k - 1; g++) if (len(g) !== 4) return false;
  return len(k - 1) >= 1 && len(k - 1) <= 4;
}

/**
 * Issuer identification ranges of the payment networks with their card lengths (from the networks'
 * published IIN tables, as summarised in ISO/IEC 7812 references). About a tenth of random digit
 * strings pass Luhn, so the prefix and length check is what keeps order numbers out.
 * `lo`/`hi` are compared with the first `digits` digits of the number.
 */
interface IssuerRange {
  network: string;
  digits: number;
  lo: number;
  hi: number;
  min: number;
  max: number;
  /** Lengths inside min..max that the network does not issue. */
  only?: readonly number[];
}

export const ISSUER_RANGES: readonly IssuerRange[] = [
  { network: "Visa", digits: 1, lo: 4, hi: 4, min: 13, max: 19, only: [13, 16, 19] },
  { network: "Mastercard", digits: 2, lo: 51, hi: 55, min: 16, max: 16 },
  { network: "Mastercard", digits: 4, lo: 2221, hi: 2720, min: 16, max: 16 },
  { network: "American Express", digits: 2, lo: 34, hi: 34, min: 15, max: 15 },
  { network: "American Express", digits: 2, lo: 37, hi: 37, min: 15, max: 15 },
  { network: "Diners Club", digits: 3, lo: 300, hi: 305, min: 14, max: 19 },
  { network: "Diners Club", digits: 4, lo: 3095, hi: 3095, min: 14, max: 19 },
  { network: "Diners Club", digits: 2, lo: 36, hi: 36, min: 14, max: 19 },
  { network: "Diners Club", digits: 2, lo: 38, hi: 39, min: 14, max: 19 },
  { network: "JCB", digits: 4, lo: 3528, hi: 3589, min: 15, max: 19 },
  { network: "JCB", digits: 4, lo: 1800, hi: 1800, min: 15, max: 15 },
  { network: "JCB", digits: 4, lo: 2131, hi: 2131, min: 15, max: 15 },
  { network: "Mir", digits: 4, lo: 2200, hi: 2204, min: 16, max: 19 },
  { network: "BORICA", digits: 4, lo: 2205, hi: 2205, min: 16, max: 16 },
  { network: "Discover", digits: 4, lo: 6011, hi: 6011, min: 16, max: 19 },
  { network: "Discover", digits: 3, lo: 644, hi: 649, min: 16, max: 19 },
  { network: "Discover", digits: 2, lo: 65, hi: 65, min: 16, max: 19 },
  { network: "UnionPay", digits: 2, lo: 62, hi: 62, min: 16, max: 19 },
  { network: "UnionPay", digits: 2, lo: 81, hi: 81, min: 16, max: 19 },
  { network: "RuPay", digits: 2, lo: 60, hi: 60, min: 16, max: 16 },
  { network: "RuPay", digits: 2, lo: 82, hi: 82, min: 16, max: 16 },
  // Maestro (and Dankort, Verve, InterPayment, InstaPayment within these ranges).
  { network: "Maestro", digits: 2, lo: 50, hi: 50, min: 12, max: 19 },
  { network: "Maestro", digits: 2, lo: 56, hi: 69, min: 12, max: 19 },
  { network: "Troy", digits: 4, lo: 9792, hi: 9792, min: 16, max: 16 },
  { network: "UzCard", digits: 4, lo: 8600, hi: 8600, min: 16, max: 16 },
  { network: "Humo", digits: 4, lo: 9860, hi: 9860, min: 16, max: 16 },
  { network: "UATP", digits: 1, lo: 1, hi: 1, min: 15, max: 15 },
];

/** The networks whose ranges and lengths admit this number (by its first digits and length). */
export function issuerNetworks(digits: string): string[] {
  const out: string[] = [];
  for (const r of ISSUER_RANGES) {
    const p = Number(digits.slice(0, r.digits));
    const n = digits.length;
    if (p >= r.lo && p <= r.hi && n >= r.min && n <= r.max && (!r.only || r.only.includes(n))) out.push(r.network);
  }
  return out;
}

function issuerMatches(text: string, start: number, len: number): boolean {
  // The first group always has at least four digits.
  const p1 = text.charCodeAt(start) - 48;
  const p2 = p1 * 10 + text.charCodeAt(start + 1) - 48;
  const p3 = p2 * 10 + text.charCodeAt(start + 2) - 48;
  const p4 = p3 * 10 + text.charCodeAt(start + 3) - 48;
  for (const r of ISSUER_RANGES) {
    const p = r.digits === 1 ? p1 : r.digits === 2 ? p2 : r.digits === 3 ? p3 : p4;
    if (p >= r.lo && p <= r.hi && len >= r.min && len <= r.max && (!r.only || r.only.includes(len))) return true;
  }
  return false;
}
