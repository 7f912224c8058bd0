/**
 * Leetspeak folding: a token mixing letters with digits or @$! is rewritten in place when it
 * spells a word the guard cares about ("1gn0r3" → "ignore"), and only then, so "mp3", "h264"
 * and "10am" stay as they are.
 */

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

/** The letter each leetspeak character stands for, by char code (0: none); "1" is i or l. */
const LEET_LETTER = new Uint8Array(128);
for (const pair of "0o 3e 4a 5s 7t 8b 9g @a $s !i".split(" ")) LEET_LETTER[pair.charCodeAt(0)] = pair.charCodeAt(1);

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MIN_WORD = 3;
const MAX_WORD = 24;

function hashCodes(codes: readonly number[]): number {
  let h = FNV_OFFSET;
  for (const c of codes) h = Math.imul(h ^ c, FNV_PRIME);
  return h | 0;
}

/** Hashes of the vocabulary, so most tokens are rejected before any string is built. */
const LEET_HASHES = new Set([...LEET_WORDS].map((word) => hashCodes(Array.from(word, (c) => c.charCodeAt(0)))));

/**
 * Rewrites `buf[start, end)` (lowercase letters, digits and @$!) in place when it spells a
 * vocabulary word in leetspeak; a trailing "!" is punctuation and stays. True when rewritten.
 */
export function foldLeetToken(buf: Uint16Array, start: number, end: number): boolean {
  let coreEnd = end;
  while (coreEnd > start && buf[coreEnd - 1] === 33) coreEnd--;
  const length = coreEnd - start;
  if (length < MIN_WORD || length > MAX_WORD) return false;
  // Hash both readings of "1" (i, l) while reading; build strings only on a hash hit.
  let asI = FNV_OFFSET;
  let asL = FNV_OFFSET;
  let letters = 0;
  for (let i = start; i < coreEnd; i++) {
    const c = buf[i]!;
    let forI = c;
    let forL = c;
    if (c >= 97 && c <= 122) letters++;
    else if (c === 49) {
      forI = 105;
      forL = 108;
    } else {
      const letter = c < 128 ? LEET_LETTER[c]! : 0;
      if (letter === 0) return false;
      forI = letter;
      forL = letter;
    }
    asI = Math.imul(asI ^ forI, FNV_PRIME);
    asL = Math.imul(asL ^ forL, FNV_PRIME);
  }
  // Only a mix is leetspeak; a plain word is left alone.
  if (letters === 0 || letters === length) return false;
  for (const [hash, one] of [
    [asI | 0, 105],
    [asL | 0, 108],
  ] as const) {
    if (!LEET_HASHES.has(hash)) continue;
    let word = "";
    for (let i = start; i < coreEnd; i++) {
      const c = buf[i]!;
      word += String.fromCharCode(c >= 97 && c <= 122 ? c : c === 49 ? one : LEET_LETTER[c]!);
    }
    if (!LEET_WORDS.has(word)) continue;
    for (let i = 0; i < word.length; i++) buf[start + i] = word.charCodeAt(i);
    return true;
  }
  return false;
}
