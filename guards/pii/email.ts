import { PRIORITY, type Emit } from "./candidate.js";
import { at, isAlnum, isAsciiLetter, isDigit } from "./chars.js";

// RFC 5321 limits; they also bound the work done around each "@".
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_LABEL = 63;

const isLocalChar = (c: number): boolean =>
  isAlnum(c) || c === 46 /* . */ || c === 95 /* _ */ || c === 37 /* % */ || c === 43 /* + */ || c === 45; /* - */
const isDomainChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 45;

/**
 * Emails: a native search finds each "@" that has a character before it and a dotted domain label
 * after it; the local part and the domain are then grown outwards with bounded loops (a long run
 * of letters before an "@" costs at most MAX_LOCAL steps).
 */
export function detectEmails(text: string, emit: Emit): void {
  const seed = new RegExp(SEED.source, "g");
  while (seed.test(text)) {
    const atIdx = seed.lastIndex - 1;
    const found = emailAround(text, atIdx);
    if (found) emit({ start: found[0], end: found[1], type: "EMAIL", priority: PRIORITY.email });
    seed.lastIndex = found ? found[1] : atIdx + 1;
  }
}

/**
 * An "@" with a local-part character before it and a domain label and dot after it. The "@" comes
 * first so the engine can skip to each "@" natively.
 */
const SEED = /@(?<=[^\s@]@)(?=[^\s@.,;:<>()[\]"'`/\\]{1,63}\.)/g;

function emailAround(text: string, atIdx: number): [number, number] | undefined {
  let start = atIdx;
  while (start > 0 && atIdx - start <= MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
  if (atIdx - start > MAX_LOCAL) return undefined; // the run continues: too long to be a local part
  while (start < atIdx && text.charCodeAt(start) === 46) start++; // a local part never starts with "."
  if (start === atIdx || text.charCodeAt(atIdx - 1) === 46) return undefined;

  let end = atIdx + 1;
  while (end < text.length && end - atIdx <= MAX_DOMAIN && isDomainChar(text.charCodeAt(end))) end++;
  // Sentence punctuation and trailing hyphens are not part of the domain.
  while (end > atIdx + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  if (!validDomain(text, atIdx + 1, end)) return undefined;
  // "user@host.com@evil" or "x@y.z_w": glued to more token characters, so not a clean address.
  const next = at(text, end);
  if (next === 64 /* @ */ || next === 95) return undefined;
  return [start, end];
}

function validDomain(text: string, from: number, to: number): boolean {
  if (to - from < 3) return false;
  let labelStart = from;
  let labels = 0;
  for (let i = from; i <= to; i++) {
    if (i === to || text.charCodeAt(i) === 46) {
      const len = i - labelStart;
      if (len === 0 || len > MAX_LABEL) return false;
      if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
      labels++;
      if (i === to && !validTld(text, labelStart, i)) return false;
      labelStart = i + 1;
    }
  }
  return labels >= 2;
}

/** A top-level domain is letters (any script), or an "xn--" punycode label; never all digits. */
function validTld(text: string, from: number, to: number): boolean {
  if (to - from >= 4 && text.slice(from, from + 4).toLowerCase() === "xn--") return true;
  if (to - from < 2) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || c === 45) return false;
    if (c < 128 && !isAsciiLetter(c)) return false;
  }
  return true;
}
