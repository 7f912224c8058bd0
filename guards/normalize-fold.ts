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

const LEET_MAP = pairs("0o 3e 4a 5s 7t 8b 9g @a $s !i");

/** Combining marks of Latin/Greek/Cyrillic and the blocks "zalgo" text stacks on letters. */
const MARKS = /[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]/g;
const STACKED_MARKS = /[\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]{3,}/g;
/**
 * Letters of the scripts look-alikes come from (Latin, Greek, Cyrillic, Armenian, phonetic). Explicit
 * ranges rather than \p{L}: property classes are several times slower in the regex engine.
 */
const WORD_CHAR = /[a-z0-9\u00C0-\u024F\u0250-\u02AF\u0370-\u058F\u1D00-\u1D7F\uA720-\uA7FF]/;
const ASCII_LETTER = /[a-z]/;
const NON_ASCII = /[^\u0000-\u007F]/;
/**
 * Letters that carry diacritics (Latin, Greek) and combining marks: only these runs are
 * decomposed, so text in other scripts (and Hangul, which decomposition would split) is untouched
 * and ordinary text pays nothing.
 */
const ACCENTED_RUN = /[\u00C0-\u024F\u0370-\u03FF\u1E00-\u1FFF\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]+/g;

/**
 * Single letters or digits, each standing alone, separated by 1–3 spacing marks. The separator
 * class and the letter class are disjoint, so the regex cannot backtrack more than 3 steps a piece.
 */
const SPACED_RUN = /\b[a-z0-9](?:[ .\-_*~/]{1,3}[a-z0-9]\b){2,}/g;
const SPACED_PIECE = /([a-z0-9])([^a-z0-9]*)/g;

/** A letter next to a digit or @$!: where leetspeak can start. No quantifiers, so it is linear. */
const LEET_SEED = /[a-z][0-9@$!]|[0-9@$!][a-z]/g;
const LEET_CHAR = /[a-z0-9@$!]/;
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
    let out = "";
    let separator: string | undefined;
    for (const piece of run.matchAll(SPACED_PIECE)) {
      const [, char = "", sep = ""] = piece;
      if (char >= "a" && char <= "z") letters++;
      out += char;
      if (sep === "") continue;
      // The first separator spaces the letters; a different one marks the gap between words.
      separator ??= sep;
      if (sep !== separator) out += " ";
    }
    if (letters < 2) return run;
    counts.spaced_letters++;
    return out;
  });
}

function leetVariants(token: string): string[] {
  const mapped = Array.from(token, (c) => LEET_MAP.get(c) ?? c).join("");
  return mapped.includes("1") || mapped.includes("|")
    ? [mapped.replace(/[1|]/g, "i"), mapped.replace(/[1|]/g, "l")]
    : [mapped];
}

function foldLeet(text: string, counts: FoldCounts): string {
  let out = "";
  let done = 0;
  LEET_SEED.lastIndex = 0;
  for (let m = LEET_SEED.exec(text); m !== null; m = LEET_SEED.exec(text)) {
    if (m.index < done) continue;
    // Widen to the whole token; `done` keeps every character visited at most twice.
    let start = m.index;
    while (start > done && LEET_CHAR.test(text[start - 1] ?? "")) start--;
    let end = m.index + 2;
    while (end < text.length && LEET_CHAR.test(text[end] ?? "")) end++;
    LEET_SEED.lastIndex = end;
    const token = text.slice(start, end);
    const core = token.replace(/!+$/, "");
    const word = core.length >= 3 && core.length <= 24 ? leetWord(core) : undefined;
    out += text.slice(done, start) + (word === undefined ? token : word + token.slice(core.length));
    done = end;
    if (word !== undefined) counts.leetspeak++;
  }
  return out + text.slice(done);
}

function leetWord(core: string): string | undefined {
  if (!/[a-z]/.test(core)) return undefined;
  return leetVariants(core).find((variant) => LEET_WORDS.has(variant));
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
