// Judging candidate secret values: placeholders, illustrative keys and how random a string looks.
import { isAsciiAlnum } from "../chars.js";

/** Values that name a secret rather than being one, or that mean "nothing here". */
const NOT_SECRETS = new Set(
  (
    "null nil none undefined true false yes no empty blank required optional string str bytes secret " +
    "secrets password passwd pass pwd token key apikey value hidden redacted removed masked example " +
    "sample dummy placeholder changeme your_password your_token your_api_key todo tbd default env " +
    "unset n/a na ... … await new this self function lambda return typeof async yield"
  ).split(" "),
);

/**
 * True for values that stand in for a secret: template and shell references ("${DB_PASS}",
 * "$PASSWORD", "%(pw)s", "{{ token }}", "<your key>"), masks ("****", "xxxx"), encrypted
 * references ("ENC(…)"), our own redaction placeholders ("[SECRET]") and a few filler words.
 */
export function isPlaceholder(v: string): boolean {
  const t = v.trim();
  if (t.length === 0) return true;
  if (NOT_SECRETS.has(t.toLowerCase())) return true;
  const c0 = t.charAt(0);
  if (c0 === "<" || c0 === "[" || c0 === "{") return true;
  if (c0 === "$" && /^\$[{(A-Za-z_]/.test(t)) return true;
  if (c0 === "%" && /^%[({A-Za-z]/.test(t)) return true;
  if (/^ENC\(/i.test(t)) return true;
  // A value cut short for display ("ops_eyJzaWdu..[Redacted]", "sk-abc…", "ghp_12ab...").
  if (/redacted|\.\.\.$|…$/i.test(t)) return true;
  return /\*{3}|x{4}|X{4}|#{4}/.test(t);
}

/**
 * Marks of keys written for documentation rather than issued: "EXAMPLE", "xxxx", "fake",
 * sequential runs ("123456", "abcdef", "654321") and bodies of only a few distinct characters. A
 * random 40-character key contains any of these with negligible probability. Callers pass at
 * most a bounded prefix of a value (see `sampleOf`).
 */
export function looksIllustrative(body: string): boolean {
  if (/example|xxxx|fake|dummy|sample/i.test(body)) return true;
  if (hasWordChain(body)) return true;
  if (hasSequentialRun(body, 6)) return true;
  return body.length >= 16 && new Set(body).size < 5;
}

/**
 * Four or more lower-case words of two or more letters joined by "-" or "_" ("there-are-not-the-
 * tokens-you-want"): a sentence, not key material. A plain scan (a regex for this backtracks).
 */
function hasWordChain(s: string): boolean {
  let words = 0; // words of the current chain already followed by a separator
  let letters = 0; // letters of the current word
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (c >= 97 && c <= 122) {
      letters++;
    } else if ((c === 45 || c === 95) && letters >= 2) {
      words++;
      letters = 0;
    } else {
      if (words >= 3 && letters >= 2) return true;
      words = 0;
      letters = 0;
    }
  }
  return false;
}

function hasSequentialRun(s: string, min: number): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    const alnum = isAsciiAlnum(s.charCodeAt(i));
    up = d === 1 && alnum ? up + 1 : 1;
    down = d === -1 && alnum ? down + 1 : 1;
    if (up >= min || down >= min) return true;
  }
  return false;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** How many of lower case, upper case, digits and other symbols occur. */
export function charClasses(s: string): number {
  return (
    (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0) + (/[^A-Za-z0-9]/.test(s) ? 1 : 0)
  );
}

/** snake_case, kebab-case, dotted or CONSTANT_CASE words ("attached_file_0", "my-client-password"). */
const WORDY = /^[a-z]+(?:[._-][a-z0-9]+)*$|^[A-Z]+(?:_[A-Z0-9]+)*$/;
/** Words joined by separators: a name or a phrase, however long. */
export const isWordy = (v: string): boolean => WORDY.test(v);

/**
 * A version number inside the value ("rc0.15.0_20231217", "jar:1.7.8.:compile", "Results-1.2"):
 * digits, a dot, digits, set off from letters. Base64 and hex keys have no dots; JWT segments are
 * never purely numeric.
 */
const VERSION = /(?:^|[^A-Za-z0-9+/])v?\d{1,4}\.\d{1,4}(?:\.|[^A-Za-z0-9+/=]|$)/;
/** A lower-case host name ("5h.ca.iphmx.com", "api.example.io"). */
const HOST_NAME = /^(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,24}$/;

/**
 * Words written in camelCase or PascalCase ("APIOrganizationExist",
 * "requiredCharacteristicTypesForDisplayMetadata"): both cases, and most characters in lower-case
 * runs of 4+ letters and hardly any digits, which a random string of mixed case (about one lower-case letter in two or
 * three) almost never has.
 */
export function isCamelIdentifier(v: string): boolean {
  if (v.length < 12 || !/[A-Z]/.test(v) || !/[a-z]/.test(v)) return false;
  let inRuns = 0;
  let run = 0;
  let digits = 0;
  for (let i = 0; i <= v.length; i++) {
    const c = i < v.length ? v.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) digits++;
    if (c >= 97 && c <= 122) run++;
    else {
      if (run >= 4) inRuns += run;
      run = 0;
    }
  }
  // Names carry few digits; random base62 has one in six.
  return digits <= v.length * 0.05 && inRuns >= v.length * 0.6;
}

/** A code reference ("self.password", "config.db.pass", "process.env.TOKEN"). */
const DOTTED_IDENT = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** Whitespace-separated words in `v`, counted up to `max`. */
export function wordCount(v: string, max: number): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < v.length && words < max; i++) {
    const space = v.charCodeAt(i) <= 32;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/**
 * Whether a value assigned to a secret-named field looks like key material rather than prose or
 * an identifier: long enough, several character classes, enough entropy.
 */
export function looksRandom(v: string, minLen: number): boolean {
  if (v.length < minLen) return false;
  if (WORDY.test(v) || DOTTED_IDENT.test(v)) return false;
  if (VERSION.test(v) || HOST_NAME.test(v) || isCamelIdentifier(v)) return false;
  if (/^0x[0-9a-f]+$/i.test(v)) return false; // numeric constants and bit masks
  const classes = charClasses(v);
  const h = entropy(v);
  if (h < 2.5) return false;
  if (classes >= 3) return true;
  if (classes === 2 && /[0-9]/.test(v)) return true;
  return v.length >= 20 && classes >= 2 && h >= 3.3;
}

/** A code reference such as `self.password` (only meaningful for unquoted values). */
export const isCodeReference = (v: string): boolean => DOTTED_IDENT.test(v);

/** Hexadecimal constants and bit masks ("0x1f2e3d4c"): numbers, not passwords. */
export const isHexConstant = (v: string): boolean => /^0x[0-9a-f]+$/i.test(v);

/** Heuristics judge at most this much of a value: a key's first characters are representative. */
const SAMPLE = 256;

export const sampleOf = (v: string): string => (v.length > SAMPLE ? v.slice(0, SAMPLE) : v);

/**
 * A value that is key material whatever its field is called: 32+ characters without spaces, upper
 * and lower case and digits, 4+ bits of entropy per character, not a URL or a path of several
 * directories, not illustrative. Used for fields whose name only describes a secret.
 */
export function looksLikeKeyMaterial(v: string): boolean {
  if (v.length < 32 || /\s/.test(v) || v.includes("://") || isPlaceholder(v)) return false;
  const sample = sampleOf(v);
  if (sample.split("/").length > 3 || looksIllustrative(sample)) return false;
  return /[a-z]/.test(sample) && /[A-Z]/.test(sample) && /[0-9]/.test(sample) && entropy(sample) >= 4;
}
