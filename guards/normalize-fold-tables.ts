/**
 * Per-character tables for the fold pass, as typed arrays indexed by UTF-16 code unit: a table
 * read is several times cheaper than a regex class or a Map in a loop that sees every character.
 */

/** Bits of `ASCII_CLASS`, for code units below 128. */
export const LETTER = 1;
export const DIGIT = 2;
/** `@ $ !`: characters leetspeak uses for letters (digits too). */
export const LEET_SIGN = 4;
/** Characters that space out letters: "i g n o r e", "i.g.n.o.r.e", "i-g-n". */
export const SEPARATOR = 8;
/** `\s` below 128. */
export const SPACE = 16;
/** Characters of base64 (standard and URL-safe alphabets). */
export const BASE64 = 32;
/** Base64 characters no plain word contains (digits, "+", "/"): a run with one may be encoded. */
export const BASE64_MARK = 64;
/** Word characters for a regex `\b`: letters, digits and "_". */
export const BOUNDARY_WORD = 128;
export const ALNUM = LETTER | DIGIT;

/** Classes of ASCII units, either case. */
export const ASCII_CLASS = new Uint8Array(128);
/**
 * ASCII lowercased and whitespace made a plain space, by table: a compare on the case of each
 * letter mispredicts too often.
 */
export const ASCII_LOWER = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let bits = 0;
  if (/[a-z]/i.test(ch)) bits |= LETTER;
  if (/[0-9]/.test(ch)) bits |= DIGIT;
  if ("@$!".includes(ch)) bits |= LEET_SIGN;
  if (" .-_*~/".includes(ch)) bits |= SEPARATOR;
  if (/\s/.test(ch)) bits |= SPACE;
  if (/[A-Za-z0-9+/_-]/.test(ch)) bits |= BASE64;
  if (/[0-9+/]/.test(ch)) bits |= BASE64_MARK;
  if (/\w/.test(ch)) bits |= BOUNDARY_WORD;
  ASCII_CLASS[c] = bits;
  ASCII_LOWER[c] = bits & SPACE ? 32 : ch.toLowerCase().charCodeAt(0);
}

/** `\s` outside ASCII (most are already plain spaces after NFKC). */
export function isWideSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Combining marks of Latin/Greek/Cyrillic and the blocks "zalgo" text stacks on letters. */
export function isMark(c: number): boolean {
  return (
    (c >= 0x300 && c <= 0x36f) ||
    (c >= 0x1ab0 && c <= 0x1aff) ||
    (c >= 0x1dc0 && c <= 0x1dff) ||
    (c >= 0x20d0 && c <= 0x20ff) ||
    (c >= 0xfe20 && c <= 0xfe2f)
  );
}

/**
 * Letters that carry diacritics (Latin, Greek): only these are decomposed, so other scripts (and
 * Hangul, which decomposition would split) are left as they are.
 */
function isAccentable(c: number): boolean {
  return (c >= 0xc0 && c <= 0x24f) || (c >= 0x370 && c <= 0x3ff) || (c >= 0x1e00 && c <= 0x1fff);
}

/**
 * Letters of the scripts look-alikes come from (Latin, Greek, Cyrillic, Armenian, phonetic), as
 * they appear after folding: a word of these is where a look-alike may hide.
 */
export const LOOKALIKE_WORD = new Uint8Array(65_536);
for (const [from, to] of [
  [0x61, 0x7a],
  [0x30, 0x39],
  [0xc0, 0x24f],
  [0x250, 0x2af],
  [0x370, 0x58f],
  [0x1d00, 0x1d7f],
  [0xa720, 0xa7ff],
] as const) {
  LOOKALIKE_WORD.fill(1, from, to + 1);
}

/**
 * Cyrillic, Greek, Armenian, IPA and small-capital letters that pass for Latin ones, as
 * "<look-alike><latin>" pairs (lowercase, since folding lowercases first).
 */
const HOMOGLYPH_PAIRS =
  "аa вb сc ԁd еe ёe һh нh іi їi јj кk ӏl мm пn оo рp ԛq гr ѕs тt уy ѵv ԝw хx " +
  "αa βb εe ηn ιi κk μu νv οo ρp τt υu χx ωw ζz ոn սu օo ɑa ɡg ıi ȷj " +
  "ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz";

/** Latin letter a look-alike stands for (0: none). */
export const HOMOGLYPH = new Uint16Array(65_536);
for (const pair of HOMOGLYPH_PAIRS.split(" ")) HOMOGLYPH[pair.charCodeAt(0)] = pair.charCodeAt(1);

/** Look-alikes folded even in words without ASCII letters: small capitals and IPA are Latin. */
export const ALWAYS_FOLD = new Uint8Array(65_536);
for (const ch of "ɑɡȷᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ") ALWAYS_FOLD[ch.charCodeAt(0)] = 1;
/** Letters of real alphabets folded for matching but not reported as a trick (Turkish ı). */
export const NATIVE = new Uint8Array(65_536);
NATIVE["ı".charCodeAt(0)] = 1;

/** Fold of a non-ASCII code unit, computed on first sight: -1 drop, -2 several units, else the unit. */
const FOLD = new Int32Array(65_536);
const UNKNOWN = 0;
export const DROP = -1;
export const SEVERAL = -2;
const several = new Map<number, string>();

/**
 * Lowercase, then for letters with diacritics the base letter (canonical decomposition with the
 * marks removed); combining marks themselves are dropped, wide spaces become plain ones.
 * Surrogates pass through unchanged.
 */
export function foldUnit(c: number): number {
  const known = FOLD[c] ?? UNKNOWN;
  if (known !== UNKNOWN) return known;
  let folded: number;
  if (c >= 0xd800 && c <= 0xdfff) folded = c;
  else if (isWideSpace(c)) folded = 32;
  else if (isMark(c)) folded = DROP;
  else {
    let text = "";
    for (const ch of String.fromCharCode(c).toLowerCase()) {
      const u = ch.charCodeAt(0);
      if (isMark(u)) continue;
      text += isAccentable(u) ? stripMarks(ch.normalize("NFD")) : ch;
    }
    if (text.length === 1) folded = text.charCodeAt(0);
    else if (text.length === 0) folded = DROP;
    else {
      several.set(c, text);
      folded = SEVERAL;
    }
  }
  FOLD[c] = folded;
  return folded;
}

function stripMarks(text: string): string {
  let out = "";
  for (const ch of text) if (!isMark(ch.charCodeAt(0))) out += ch;
  return out;
}

/** The text a `SEVERAL` unit folds to. */
export function foldedText(c: number): string {
  return several.get(c) ?? "";
}
