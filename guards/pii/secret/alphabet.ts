// Compiles a regex-style class ("A-Za-z0-9_-") into a lookup table over ASCII code units. Only
// letter and digit pairs form ranges; any other "-" is literal, so alphabets can be concatenated.

export type CharTest = (c: number) => boolean;

export function alphabet(spec: string): CharTest {
  const table = alphabetTable(spec);
  return (c: number) => c >= 0 && c < 128 && table[c] === 1;
}

/** The lookup table behind `alphabet`: 1 for each ASCII code unit in the class. */
export function alphabetTable(spec: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < spec.length; i++) {
    const a = spec.charCodeAt(i);
    if (spec.charAt(i + 1) === "-" && /[A-Za-z0-9]/.test(spec.charAt(i)) && /[A-Za-z0-9]/.test(spec.charAt(i + 2))) {
      const b = spec.charCodeAt(i + 2);
      for (let c = a; c <= b; c++) table[c] = 1;
      i += 2;
    } else {
      table[a] = 1;
    }
  }
  return table;
}

/** Characters that glue onto a token: a token cannot start right after one. */
export const glues = alphabet("A-Za-z0-9_-");

/**
 * Whether a token may start at `i`: the character before must not glue it onto a longer word.
 * A terminal colour code right before ("\x1b[93msk-…") does not count as glue.
 */
export function tokenMayStart(text: string, i: number): boolean {
  if (i === 0 || !glues(text.charCodeAt(i - 1))) return true;
  if (text.charCodeAt(i - 1) !== 109 /* m */) return false;
  let j = i - 2;
  while (j > 0 && i - j < 12 && /[0-9;]/.test(text.charAt(j))) j--;
  return text.charCodeAt(j) === 91 /* [ */ && text.charCodeAt(j - 1) === 27; /* ESC */
}

/** How many characters before `i` pass `test`, counting at most `max + 1`. */
export function countBack(text: string, i: number, test: CharTest, max: number): number {
  let j = i;
  while (j > 0 && i - j <= max && test(text.charCodeAt(j - 1))) j--;
  return i - j;
}

/** How many characters from `i` on pass `test`, counting at most `max + 1`. */
export function countForward(text: string, i: number, test: CharTest, max: number): number {
  let j = i;
  while (j < text.length && j - i <= max && test(text.charCodeAt(j))) j++;
  return j - i;
}
