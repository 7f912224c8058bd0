// Check-digit algorithms. Cards and IBANs are only reported when their check digits agree.

/** Luhn (mod 10) over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  return digits.length > 0 && luhnOverRanges(digits, [0, digits.length], 1) === true;
}

/**
 * Luhn over the digits of `count` ranges of `text` (start of range k at 2k, end at 2k + 1), read in
 * place: a card written in groups is checked without building its digit string, which on text dense
 * with card-shaped groups cost more than the rest of the scan. `undefined` if a non-digit occurs.
 */
export function luhnOverRanges(text: string, ranges: ArrayLike<number>, count: number): boolean | undefined {
  let sum = 0;
  let double = false;
  for (let g = count - 1; g >= 0; g--) {
    for (let i = (ranges[2 * g + 1] ?? 0) - 1; i >= (ranges[2 * g] ?? 0); i--) {
      let d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      if (double) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      double = !double;
    }
  }
  return sum % 10 === 0;
}

/**
 * ISO 13616 mod-97 over an IBAN with separators removed (upper-case letters and digits): move the
 * first four characters to the end, read letters as 10..35, and the remainder must be 1.
 * Folded digit by digit so no big integers are needed.
 */
export function ibanMod97Valid(iban: string): boolean {
  if (iban.length < 5) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      rem = (rem * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      rem = (rem * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return rem === 1;
}
