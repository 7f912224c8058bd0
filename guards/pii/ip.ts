import { PRIORITY, type Emit } from "./candidate.js";
import { at, isDigit, isHex, isUpper, isWordChar } from "./chars.js";
import type { TextIndex } from "./text-index.js";

// Longest IPv6 text form: eight groups, or six groups plus an embedded IPv4 address.
const MAX_V6 = 45;
const VERSION_WORD = /(?:version|ver\.?|build|release|rev\.?)\s*$/i;

/**
 * IPv4 (octets 0–255, exactly four, optional /0–32 prefix) and IPv6 (full, "::"-compressed, with an
 * embedded IPv4 tail, optional %zone and /0–128 prefix). Both scan maximal runs of address
 * characters once; a run glued to a letter ("IP192.168.1.1", "text::1") or with extra parts
 * ("1.2.3.4.5", "2001::db8::1") is not an address.
 */
export function detectIps(text: string, emit: Emit, index: TextIndex): void {
  detectV4(text, emit, index);
  detectV6(text, emit);
}

const isV6Char = (c: number) => isHex(c) || c === 58 || c === 46;

function detectV4(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.digitRuns();
  let consumed = 0;
  for (let r = 0; r < count; r += 2) {
    const i = runs[r] ?? 0;
    // Without a dot right after the first digits, this run cannot be an address.
    if (i < consumed || text.charCodeAt(runs[r + 1] ?? 0) !== 46) continue;
    // The maximal run of digits and dots; only runs with exactly three inner dots can be addresses.
    let j = i;
    let dots = 0;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 46) dots++;
      else if (c < 48 || c > 57) break;
    }
    consumed = j;
    let end = j;
    while (text.charCodeAt(end - 1) === 46) {
      end--; // sentence full stop
      dots--;
    }
    if (dots !== 3 || isWordChar(at(text, i - 1)) || at(text, i - 1) === 46 || isWordChar(at(text, end))) continue;
    if (!validV4(text.slice(i, end)) || VERSION_WORD.test(text.slice(Math.max(0, i - 10), i))) continue;
    emit({ start: i, end: withPrefix(text, end, 32), type: "IP_ADDRESS", priority: PRIORITY.ip });
  }
}

function validV4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length < 1 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) === 48) || Number(p) > 255) return false;
  }
  return true;
}

/** Extends `end` over a "/N" network prefix when N is a valid length for the address family. */
function withPrefix(text: string, end: number, max: number): number {
  if (at(text, end) !== 47 /* / */) return end;
  let j = end + 1;
  while (j < text.length && j - end <= 3 && isDigit(text.charCodeAt(j))) j++;
  const digits = text.slice(end + 1, j);
  if (digits.length === 0 || digits.length > 3 || isWordChar(at(text, j))) return end;
  if (digits.length > 1 && digits[0] === "0") return end;
  return Number(digits) <= max ? j : end;
}

function detectV6(text: string, emit: Emit): void {
  let colon = text.indexOf(":");
  while (colon !== -1) {
    // Grow the run of address characters around this colon.
    let s = colon;
    while (s > 0 && isV6Char(text.charCodeAt(s - 1))) s--;
    let j = colon;
    while (j < text.length && isV6Char(text.charCodeAt(j))) j++;
    const found = v6In(text, s, j);
    if (found) emit({ start: s, end: found, type: "IP_ADDRESS", priority: PRIORITY.ip });
    colon = j < text.length ? text.indexOf(":", j) : -1;
  }
}

/** The address end (with zone and prefix), if the run [s, j) is one IPv6 address. */
function v6In(text: string, s: number, j: number): number | undefined {
  let end = j;
  while (end > s && text.charCodeAt(end - 1) === 46) end--;
  // A single trailing colon is punctuation ("address 2001:db8::1:"); a double one is part of "::".
  if (end - s > 2 && text.charCodeAt(end - 1) === 58 && text.charCodeAt(end - 2) !== 58) end--;
  if (end - s > MAX_V6 || end - s < 2) return undefined;
  if (isWordChar(at(text, s - 1)) || isWordChar(at(text, end))) return undefined;
  const addr = text.slice(s, end);
  if (!validV6(addr)) return undefined;
  if (addr === "::" && looksLikeTypeSignature(text, end)) return undefined;
  return withPrefix(text, withZone(text, end), 128);
}

function validV6(s: string): boolean {
  const dbl = s.indexOf("::");
  if (dbl !== -1 && s.indexOf("::", dbl + 1) !== -1) return false;
  if (s.includes(":::")) return false;
  const head = dbl === -1 ? s : s.slice(0, dbl);
  const tail = dbl === -1 ? "" : s.slice(dbl + 2);
  const groups = [...(head ? head.split(":") : []), ...(tail ? tail.split(":") : [])];
  let count = 0;
  for (let k = 0; k < groups.length; k++) {
    const g = groups[k] ?? "";
    if (g.includes(".")) {
      if (k !== groups.length - 1 || !validV4(g)) return false;
      count += 2;
    } else {
      if (g.length < 1 || g.length > 4) return false;
      for (let c = 0; c < g.length; c++) if (!isHex(g.charCodeAt(c))) return false;
      count++;
    }
  }
  return dbl === -1 ? count === 8 : count <= 7;
}

function withZone(text: string, end: number): number {
  if (at(text, end) !== 37 /* % */) return end;
  let j = end + 1;
  while (j < text.length && j - end <= 16 && (isWordChar(text.charCodeAt(j)) || text.charCodeAt(j) === 46)) j++;
  return j - end > 1 ? j : end;
}

/**
 * A lone "::" before a type or a placeholder ("x :: Int", "f :: (a -> b)", "<app> :: <day>") is
 * syntax, not an address.
 */
function looksLikeTypeSignature(text: string, end: number): boolean {
  let j = end;
  while (j < text.length && j - end < 4 && text.charCodeAt(j) === 32) j++;
  const c = at(text, j);
  return "([<{\"'`".includes(String.fromCharCode(c)) || isUpper(c);
}
