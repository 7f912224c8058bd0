/**
 * Which UTF-16 code units belong to words, as a lookup table: ASCII letters, digits and the
 * apostrophe, and any non-ASCII unit except no-break and general-punctuation spaces. A table
 * read is several times cheaper than the comparisons in the hot loops that tokenize.
 */
export const WORD_CHAR = new Uint8Array(65_536);
for (let c = 0; c < WORD_CHAR.length; c++) {
  const ascii = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39;
  const other = c > 127 && c !== 0xa0 && !(c >= 0x2000 && c <= 0x206f);
  WORD_CHAR[c] = ascii || other ? 1 : 0;
}

export function isWordCode(c: number): boolean {
  return WORD_CHAR[c] === 1;
}
