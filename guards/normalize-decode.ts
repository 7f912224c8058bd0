/**
 * Finds encoded runs (base64, hex, percent-encoding, Morse) that decode to readable text, so an
 * instruction wrapped in an encoding is scanned like any other; rot13 has no telltale alphabet
 * and is tried only when the text names it. Random-looking data stays undecoded: a payload is
 * kept only when it is valid UTF-8 and mostly letters and spaces. Candidates examined and output
 * produced are capped, so a text full of encoded-looking runs still costs linear time. The fold
 * pass notes base64-looking runs as it reads the text; then they are not looked for again.
 */
import { ASCII_CLASS, BASE64, BASE64_MARK } from "./normalize-fold-tables.js";
import { MIN_ENCODED_RUN, type EncodedRuns } from "./normalize-fold.js";

export interface DecodeLimits {
  /** Candidate runs examined per text. */
  maxCandidates: number;
  /** Total characters of decoded text produced per text. */
  maxOutput: number;
  /** Longest single run decoded (longer runs are decoded up to this length). */
  maxRun: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxCandidates: 256, maxOutput: 32_768, maxRun: 16_384 };

const HEX_ONLY = /^(?:[0-9a-f]{2})+$/i;
/**
 * Eight or more Morse letters separated by spaces (a slash or a wider gap between words). The
 * letter class and the separator class are disjoint, so matching is linear.
 */
const MORSE_RUN = /(?:[.-]{1,7}(?: {1,3}| ?\/ ?)){7,}[.-]{1,7}/g;
const MORSE = new Map(
  (
    "a.- b-... c-.-. d-.. e. f..-. g--. h.... i.. j.--- k-.- l.-.. m-- n-. o--- p.--. q--.- r.-. s... t- " +
    "u..- v...- w.-- x-..- y-.-- z--.. 0----- 1.---- 2..--- 3...-- 4....- 5..... 6-.... 7--... 8---.. 9----. " +
    "..-.-.- ,--..-- ?..--.. '.----. !-.-.-- :---... =-...- --....- (-.--. )-.--.- \".-..-. /-..-. @.--.-."
  )
    .split(" ")
    .map((pair): [string, string] => [pair.slice(1), pair.slice(0, 1)]),
);
const ROT13_HINT = /\brot-?13\b|\bcaesar\b/i;

const utf8 = new TextDecoder("utf-8", { fatal: true });

function base64Value(code: number): number {
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 71;
  if (code >= 48 && code <= 57) return code + 4;
  if (code === 43 || code === 45) return 62; // "+" or URL-safe "-"
  if (code === 47 || code === 95) return 63; // "/" or URL-safe "_"
  return -1;
}

/** Decodes base64 (standard or URL-safe, padding optional); a trailing partial byte is dropped. */
export function decodeBase64(run: string): Uint8Array {
  const body = run.replace(/=+$/, "");
  const bytes = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const v = base64Value(body.charCodeAt(i));
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (acc >> bits) & 0xff;
    }
  }
  return bytes.subarray(0, n);
}

export function decodeHex(run: string): Uint8Array {
  const bytes = new Uint8Array(run.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** True when `text[i]` starts a percent escape ("%" and two hex digits). */
function isEscape(text: string, i: number): boolean {
  return text.charCodeAt(i) === 37 && hexValue(text.charCodeAt(i + 1)) >= 0 && hexValue(text.charCodeAt(i + 2)) >= 0;
}

const utf8Encoder = new TextEncoder();

/** Percent-decodes a token ("+" is a space); everything else passes through as UTF-8. */
function decodePercent(token: string): Uint8Array {
  const raw = utf8Encoder.encode(token);
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const high = c === 37 && i + 2 < raw.length ? hexValue(raw[i + 1]!) : -1;
    const low = high >= 0 ? hexValue(raw[i + 2]!) : -1;
    if (low >= 0) {
      out[n++] = (high << 4) | low;
      i += 2;
    } else out[n++] = c === 43 ? 32 : c;
  }
  return out.subarray(0, n);
}

/**
 * Readable text, or undefined: valid UTF-8, no control characters besides whitespace, and at
 * least 70% letters/spaces with at least one space or four letters in a row (so a few lucky
 * bytes from random data do not pass).
 */
export function readableText(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return undefined;
  // Control bytes make a payload unreadable: rejected before any decoding (random data has many).
  for (const byte of bytes)
    if ((byte < 32 && byte !== 9 && byte !== 10 && byte !== 13) || byte === 127) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let letters = 0;
  let spaces = 0;
  let length = 0;
  let streak = 0;
  let longest = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    length++;
    if (cp === 9 || cp === 10 || cp === 13 || cp === 32) spaces++;
    else if (cp < 32 || (cp >= 127 && cp < 160) || cp === 0xfffd) return undefined;
    if (isLetter(cp)) {
      letters++;
      longest = Math.max(longest, ++streak);
    } else streak = 0;
  }
  if ((letters + spaces) / length < 0.7) return undefined;
  if (spaces === 0 && longest < 4) return undefined;
  return text;
}

/** `\p{L}` by code unit, decided once per unit: a regex test per character is slow. */
const LETTER_KNOWN = new Uint8Array(65_536);
const LETTER_CLASS = /\p{L}/u;

function isLetter(cp: number): boolean {
  if (cp < 128) return (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  if (cp > 0xffff) return LETTER_CLASS.test(String.fromCodePoint(cp));
  let known = LETTER_KNOWN[cp]!;
  if (known === 0) {
    known = LETTER_CLASS.test(String.fromCharCode(cp)) ? 1 : 2;
    LETTER_KNOWN[cp] = known;
  }
  return known === 1;
}

function decodeMorse(run: string): string | undefined {
  let out = "";
  let unknown = 0;
  let letters = 0;
  for (const word of run.split(/ ?\/ ?| {2,}/)) {
    for (const code of word.split(" ")) {
      if (code === "") continue;
      const letter = MORSE.get(code);
      letters++;
      if (letter === undefined) unknown++;
      out += letter ?? "?";
    }
    out += " ";
  }
  if (unknown * 5 > letters) return undefined;
  // Rows of dashes and dots (rules, ellipses) decode to runs of "t" and "e"; words have vowels.
  return /[aiou]/.test(out) && new Set(out.replace(/ /g, "")).size >= 4 ? out.trim() : undefined;
}

/** Whether lowercased `text` may name rot13 or Caesar: searched from the rarer "13". */
function mayNameCipher(text: string): boolean {
  for (let at = text.indexOf("13"); at >= 0; at = text.indexOf("13", at + 2)) {
    if (text.startsWith("rot", at - 3) || text.startsWith("rot-", at - 4)) return true;
  }
  return text.includes("caesar");
}

function rot13(text: string): string {
  return text.replace(/[a-z]/gi, (c) => {
    const base = c <= "Z" ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
}

export interface DecodeResult {
  payloads: string[];
  /** Runs that decoded to readable text. */
  count: number;
}

/** Base64-looking runs of `text`, as the fold pass notes them (for text it did not fold). */
function findRuns(text: string, runs: EncodedRuns): void {
  let start = -1;
  let marked = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const cls = c < 128 ? ASCII_CLASS[c]! : 0;
    if ((cls & BASE64) !== 0) {
      if (start < 0) {
        start = i;
        marked = false;
      }
      if ((cls & BASE64_MARK) !== 0) marked = true;
      continue;
    }
    if (start >= 0 && i - start >= MIN_ENCODED_RUN && (marked || c === 61) && runs.count < runs.starts.length) {
      runs.starts[runs.count] = start;
      runs.ends[runs.count] = i;
      runs.count++;
    }
    start = -1;
  }
}

/** Fresh run storage sized for the limits. */
export function encodedRuns(limits: DecodeLimits = DEFAULT_DECODE_LIMITS): EncodedRuns {
  const size = limits.maxCandidates;
  return {
    starts: new Int32Array(size),
    ends: new Int32Array(size),
    count: 0,
    morseStarts: new Int32Array(size),
    morseEnds: new Int32Array(size),
    morseCount: 0,
  };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
}

/**
 * `hint`: the text lowercased (the folded form), used to look for cipher names cheaply. `runs`:
 * the base64-looking runs already noted by the fold pass; without them the text is scanned here.
 */
export function decodePayloads(
  text: string,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  hint?: string,
  runs?: EncodedRuns,
): DecodeResult {
  const payloads: string[] = [];
  let produced = 0;
  let examined = 0;
  const keep = (decoded: string | undefined): void => {
    if (decoded === undefined || produced >= limits.maxOutput) return;
    const piece = decoded.slice(0, limits.maxOutput - produced);
    produced += piece.length;
    payloads.push(piece);
  };

  let candidates = runs;
  if (candidates === undefined) {
    candidates = encodedRuns(limits);
    findRuns(text, candidates);
  }
  for (let k = 0; k < candidates.count && examined < limits.maxCandidates; k++) {
    const start = candidates.starts[k]!;
    let end = candidates.ends[k]!;
    const stop = end + 2;
    while (end < text.length && end < stop && text.charCodeAt(end) === 61) end++; // "=" padding
    const run = text.slice(start, Math.min(end, start + limits.maxRun));
    examined++;
    const bytes = HEX_ONLY.test(run) ? decodeHex(run) : decodeBase64(run);
    keep(readableText(bytes));
  }

  if (text.includes("%")) {
    // Whole whitespace-free tokens that hold at least three escapes, found from each "%".
    let tokenEnd = 0;
    for (let at = text.indexOf("%"); at >= 0 && examined < limits.maxCandidates; at = text.indexOf("%", at + 1)) {
      if (at < tokenEnd) continue;
      let start = at;
      while (start > tokenEnd && !isSpace(text.charCodeAt(start - 1))) start--;
      let end = at;
      let escapes = 0;
      while (end < text.length && end - start < limits.maxRun && !isSpace(text.charCodeAt(end))) {
        if (isEscape(text, end)) escapes++;
        end++;
      }
      tokenEnd = end;
      at = Math.max(at, end - 1);
      if (escapes < 3) continue;
      examined++;
      keep(readableText(decodePercent(text.slice(start, end))));
    }
  }

  // Morse code: in the runs the fold pass noted, or (without them) anywhere a letter pair occurs.
  const morse = (region: string): void => {
    MORSE_RUN.lastIndex = 0;
    for (let m = MORSE_RUN.exec(region); m !== null && examined < limits.maxCandidates; m = MORSE_RUN.exec(region)) {
      examined++;
      keep(decodeMorse(m[0].slice(0, limits.maxRun)));
    }
  };
  if (runs !== undefined) {
    for (let k = 0; k < runs.morseCount; k++) morse(text.slice(runs.morseStarts[k], runs.morseEnds[k]));
  } else if (text.includes(".- ") || text.includes("-. ")) morse(text);

  const count = payloads.length;
  // rot13 has no telltale alphabet; decode only when the text itself names the cipher.
  const named = hint === undefined ? ROT13_HINT.test(text) : mayNameCipher(hint) && ROT13_HINT.test(hint);
  if (named) keep(rot13(text.slice(0, limits.maxRun)));
  return { payloads, count };
}
