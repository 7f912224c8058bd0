/**
 * The detection form of a text: lowercased, diacritics and stacked marks dropped, look-alike
 * letters from other scripts folded to Latin, s p a c e d or d.o.t.t.e.d letters joined, and
 * leetspeak folded where it spells a word the guard cares about. Never shown to a model.
 */

export interface FoldCounts {
  homoglyphs: number;
  combining_marks: number;
  spaced_letters: number;
  leetspeak: number;
}

/**
 * Cyrillic, Greek, Armenian, IPA and small-capital letters that pass for Latin ones, as
 * "<look-alike><latin>" pairs (lowercase, since folding runs after lowercasing).
 */
const HOMOGLYPHS = pairs(
  "аa вb сc ԁd еe ёe һh нh іi їi јj кk ӏl мm пn оo рp ԛq гr ѕs тt уy ѵv ԝw хx " +
    "αa βb εe ηn ιi κk μu νv οo ρp τt υu χx ωw ζz ոn սu օo ɑa ɡg ıi ȷj " +
    "ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz",
);

function pairs(spec: string): Map<string, string> {
  return new Map(spec.split(" ").map((p): [string, string] => [p.slice(0, -1), p.slice(-1)]));
}

/** Look-alikes folded even in words without ASCII letters: small capitals and IPA are Latin. */
const ALWAYS_FOLD = new Set("ɑɡȷᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ");
/** Letters of real alphabets that are folded for matching but not reported as a trick (Turkish ı). */
const NATIVE = new Set("ı");
const HOMOGLYPH_SEED = new RegExp(`[${[...HOMOGLYPHS.keys()].join("")}]`, "g");

/** Words worth recovering from leetspeak: the vocabulary of overrides, jailbreaks and exfiltration. */
const LEET_WORDS = new Set(
  (
    "ignore ignoring ignored disregard forget forgot previous prior above earlier instructions instruction " +
    "rules rule prompt prompts system override bypass jailbreak jailbroken restrictions restricted " +
    "restriction filter filters filtered unfiltered uncensored censored censorship limits limitations " +
    "developer mode admin administrator password passwords secret secrets reveal pretend roleplay evil " +
    "hack hacking hacker exploit malware virus kill bomb weapon weapons drugs illegal unethical ethics " +
    "ethical moral morals immoral amoral guidelines policy policies safety sudo root execute command " +
    "commands delete exfiltrate leak send token tokens key keys credentials confidential hidden print " +
    "repeat output everything anything unlock unlocked unleashed free freedom now obey comply answer " +
    "chatgpt assistant model openai anthropic human respond response tell show write dan mongo stan " +
    "disable disabled enable enabled access private data steal phishing scam fraud shell script " +
    "instead new task tasks act pretend character persona simulate hypothetical opposite evil"
  ).split(" "),
);

/** The letter each leetspeak character stands for, by char code (0: none); "1" and "|" are i or l. */
const LEET_LETTER = new Uint8Array(128);
for (const [from, to] of pairs("0o 3e 4a 5s 7t 8b 9g @a $s !i")) LEET_LETTER[from.charCodeAt(0)] = to.charCodeAt(0);
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Hashes of the vocabulary, so most tokens are rejected before any string is built. */
const LEET_HASHES = new Set([...LEET_WORDS].map((word) => hashCodes(Array.from(word, (c) => c.charCodeAt(0)))));

function hashCodes(codes: readonly number[]): number {
  let h = FNV_OFFSET;
  for (const c of codes) h = Math.imul(h ^ c, FNV_PRIME);
  return h | 0;
}

/** Combining marks of Latin/Greek/Cyrillic and the blocks "zalgo" text stacks on letters. */
// eslint-disable-next-line no-misleading-character-class -- a class of combining marks is the point
const MARKS = /[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/g;
// eslint-disable-next-line no-misleading-character-class -- a class of combining marks is the point
const STACKED_MARKS = /[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]{3,}/g;
/**
 * Letters of the scripts look-alikes come from (Latin, Greek, Cyrillic, Armenian, phonetic). Explicit
 * ranges rather than \p{L}: property classes are several times slower in the regex engine.
 */
const WORD_CHAR = /[a-z0-9\u00C0-\u024F\u0250-\u02AF\u0370-\u058F\u1D00-\u1D7F\uA720-\uA7FF]/;
const ASCII_LETTER = /[a-z]/;
const NON_ASCII = /[\u0080-\uFFFF]/;
/**
 * Letters that carry diacritics (Latin, Greek) and combining marks: only these runs are
 * decomposed, so text in other scripts (and Hangul, which decomposition would split) is untouched
 * and ordinary text pays nothing.
 */
const ACCENTED_RUN =
  // eslint-disable-next-line no-misleading-character-class -- a class of combining marks is the point
  /[\u00C0-\u024F\u0370-\u03FF\u1E00-\u1FFF\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]+/g;

/**
 * Single letters or digits, each standing alone, separated by 1–3 spacing marks. The separator
 * class and the letter class are disjoint, so the regex cannot backtrack more than 3 steps a piece.
 */
const SPACED_RUN = /\b[a-z0-9](?:[ .\-_*~/]{1,3}[a-z0-9]\b){2,}/g;

/** A letter next to a digit or @$!: where leetspeak can start. No quantifiers, so it is linear. */
const LEET_SEED = /[a-z][0-9@$!]|[0-9@$!][a-z]/g;
const HAS_LEET = /[0-9@$!]/;

function foldHomoglyphs(text: string, counts: FoldCounts): string {
  let out = "";
  let done = 0;
  HOMOGLYPH_SEED.lastIndex = 0;
  for (let m = HOMOGLYPH_SEED.exec(text); m !== null; m = HOMOGLYPH_SEED.exec(text)) {
    if (m.index < done) continue;
    // Widen to the whole word; `done` keeps every character visited at most twice.
    let start = m.index;
    while (start > done && WORD_CHAR.test(text[start - 1] ?? "")) start--;
    let end = m.index + 1;
    while (end < text.length && WORD_CHAR.test(text[end] ?? "")) end++;
    HOMOGLYPH_SEED.lastIndex = end;
    out += text.slice(done, start) + foldWord(text.slice(start, end), counts);
    done = end;
  }
  return out + text.slice(done);
}

function foldWord(word: string, counts: FoldCounts): string {
  const mixed = ASCII_LETTER.test(word);
  let out = "";
  for (const ch of word) {
    const latin = HOMOGLYPHS.get(ch);
    if (latin !== undefined && (mixed || ALWAYS_FOLD.has(ch))) {
      out += latin;
      // A lone styled letter is a symbol, not a disguise; native letters are not tricks.
      if (word.length > 1 && !NATIVE.has(ch)) counts.homoglyphs++;
    } else out += ch;
  }
  return out;
}

function joinSpaced(text: string, counts: FoldCounts): string {
  return text.replace(SPACED_RUN, (run) => {
    let letters = 0;
    // Pieces in an array: a run can be the whole text, and string-by-string growth is costly.
    const out: string[] = [];
    let gapStart = -1;
    let first: string | undefined;
    for (let i = 0; i < run.length; i++) {
      const c = run.charCodeAt(i);
      if (!isAlnum(c)) {
        if (gapStart < 0) gapStart = i;
        continue;
      }
      // The first gap spaces the letters; a different one marks the gap between words.
      if (gapStart >= 0) {
        const gap = run.slice(gapStart, i);
        first ??= gap;
        if (gap !== first) out.push(" ");
        gapStart = -1;
      }
      out.push(run.charAt(i));
      if (c >= 97) letters++;
    }
    if (letters < 2) return run;
    counts.spaced_letters++;
    return out.join("");
  });
}

function isAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

function isLeetChar(c: number): boolean {
  return isAlnum(c) || c === 64 || c === 36 || c === 33;
}

function foldLeet(text: string, counts: FoldCounts): string {
  let out = "";
  let done = 0;
  LEET_SEED.lastIndex = 0;
  for (let m = LEET_SEED.exec(text); m !== null; m = LEET_SEED.exec(text)) {
    if (m.index < done) continue;
    // Widen to the whole token; `done` keeps every character visited at most twice.
    let start = m.index;
    while (start > done && isLeetChar(text.charCodeAt(start - 1))) start--;
    let end = m.index + 2;
    while (end < text.length && isLeetChar(text.charCodeAt(end))) end++;
    LEET_SEED.lastIndex = end;
    // A trailing "!" is punctuation, not an i.
    let coreEnd = end;
    while (coreEnd > start && text.charCodeAt(coreEnd - 1) === 33) coreEnd--;
    const word = coreEnd - start >= 3 && coreEnd - start <= 24 ? leetWord(text, start, coreEnd) : undefined;
    if (word === undefined) continue;
    out += text.slice(done, start) + word;
    done = coreEnd;
    counts.leetspeak++;
  }
  return out + text.slice(done);
}

/** The vocabulary word `text[start, end)` spells in leetspeak, if any. */
function leetWord(text: string, start: number, end: number): string | undefined {
  // Hash both readings of "1" and "|" (i, l) while reading; build strings only on a hash hit.
  const asI: number[] = [];
  const asL: number[] = [];
  let letters = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      letters++;
      asI.push(c);
      asL.push(c);
    } else if (c === 49 || c === 124) {
      asI.push(105);
      asL.push(108);
    } else {
      const letter = c < 128 ? (LEET_LETTER[c] ?? 0) : 0;
      if (letter === 0) return undefined;
      asI.push(letter);
      asL.push(letter);
    }
  }
  if (letters === 0) return undefined;
  for (const codes of [asI, asL]) {
    if (!LEET_HASHES.has(hashCodes(codes))) continue;
    const word = String.fromCharCode(...codes);
    if (LEET_WORDS.has(word)) return word;
  }
  return undefined;
}

export function foldText(clean: string): { folded: string; counts: FoldCounts } {
  const counts: FoldCounts = { homoglyphs: 0, combining_marks: 0, spaced_letters: 0, leetspeak: 0 };
  let text = clean.toLowerCase();
  if (NON_ASCII.test(text)) {
    counts.combining_marks = text.match(STACKED_MARKS)?.length ?? 0;
    text = text.replace(ACCENTED_RUN, (run) => run.normalize("NFD").replace(MARKS, ""));
    text = foldHomoglyphs(text, counts);
  }
  text = joinSpaced(text, counts);
  if (HAS_LEET.test(text)) text = foldLeet(text, counts);
  // Only runs and non-space whitespace: rewriting every single space would double the cost.
  text = text.replace(/\s{2,}|[^\S ]/g, " ").trim();
  return { folded: text, counts };
}
