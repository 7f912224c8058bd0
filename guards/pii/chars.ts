// Character-class tests on UTF-16 code units. Detectors scan with these instead of regexes so that
// every pass stays linear in the input, whatever the input looks like.

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isUpper = (c: number): boolean => c >= 65 && c <= 90;
export const isLower = (c: number): boolean => c >= 97 && c <= 122;
export const isAsciiLetter = (c: number): boolean => isUpper(c) || isLower(c);
export const isAsciiAlnum = (c: number): boolean => isDigit(c) || isAsciiLetter(c);
export const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

const LETTER = /\p{L}|\p{N}/u;

/** Letters and digits of any script; the non-ASCII test only runs for non-ASCII code units. */
export function isAlnum(c: number): boolean {
  if (c < 128) return isAsciiAlnum(c);
  return LETTER.test(String.fromCharCode(c));
}

/** A character that glues onto a token: when it sits next to a match, the match is part of a bigger word. */
export const isWordChar = (c: number): boolean => isAlnum(c) || c === 95; /* _ */

export const isSpaceOrTab = (c: number): boolean => c === 32 || c === 9;

/** Code unit at `i`, or -1 outside the string (so boundary checks need no length tests). */
export const at = (text: string, i: number): number => (i >= 0 && i < text.length ? text.charCodeAt(i) : -1);
