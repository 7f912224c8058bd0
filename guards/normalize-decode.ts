/**
 * Finds encoded runs (base64, hex, percent-encoding, Morse) that decode to readable text, so an
 * instruction wrapped in an encoding is scanned like any other; rot13 has no telltale alphabet
 * and is tried only when the text names it. Random-looking data stays undecoded: a payload is
 * kept only when it is valid UTF-8 and mostly letters and spaces. Candidates examined and output
 * produced are capped, so a text full of encoded-looking runs still costs linear time.
 */

export interface DecodeLimits {
  /** Candidate runs examined per text. */
  maxCandidates: number;
  /** Total characters of decoded text produced per text. */
  maxOutput: number;
  /** Longest single run decoded (longer runs are decoded up to this length). */
  maxRun: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxCandidates: 256, maxOutput: 32_768, maxRun: 16_384 };

/** Shortest run worth decoding: 16 base64 characters are 12 bytes, about two words. */
const MIN_RUN = 16;
/** 1 for characters of base64 (standard and URL-safe alphabets), by char code. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-") BASE64_CHAR[c.charCodeAt(0)] = 1;
const HEX_ONLY = /^(?:[0-9a-f]{2})+$/i;
const PERCENT = /%[0-9a-f]{2}/gi;
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

/** Percent-decodes a token ("+" is a space); everything else passes through as UTF-8. */
function decodePercent(token: string): Uint8Array {
  const raw = new TextEncoder().encode(token);
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? 0;
    const hex = c === 37 ? String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0) : "";
    if (hex !== "" && /^[0-9a-f]{2}$/i.test(hex)) {
      out[n++] = parseInt(hex, 16);
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
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let letters = 0;
  let spaces = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 9 || cp === 10 || cp === 13 || cp === 32) spaces++;
    else if (cp < 32 || (cp >= 127 && cp < 160) || cp === 0xfffd) return undefined;
    else if (/\p{L}/u.test(ch)) letters++;
  }
  const length = Array.from(text).length;
  if ((letters + spaces) / length < 0.7) return undefined;
  if (spaces === 0 && !/\p{L}{4}/u.test(text)) return undefined;
  return text;
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

function countEscapes(token: string): number {
  let n = 0;
  for (let i = token.indexOf("%"); i >= 0; i = token.indexOf("%", i + 1)) {
    if (/^[0-9a-f]{2}$/i.test(token.slice(i + 1, i + 3))) n++;
  }
  return n;
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

/** `hint`: the text lowercased (the folded form), used to look for cipher names cheaply. */
export function decodePayloads(
  text: string,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  hint?: string,
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

  // A plain loop finds the runs: a regex would retry every position inside every short word.
  for (let i = 0, start = -1; i <= text.length && examined < limits.maxCandidates; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c < 128 && BASE64_CHAR[c] === 1) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const length = i - start;
    const runStart = start;
    start = -1;
    if (length < MIN_RUN) continue;
    let end = i;
    while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++; // "=" padding
    const run = text.slice(runStart, Math.min(end, runStart + limits.maxRun));
    // Plain words and identifiers match the class too; real encodings mix cases or digits.
    if (/^[a-z]+$/.test(run) || /^[A-Z]+$/.test(run) || /^[a-z_-]+$/i.test(run)) continue;
    examined++;
    const bytes = HEX_ONLY.test(run) ? decodeHex(run) : decodeBase64(run);
    keep(readableText(bytes));
  }

  if (text.includes("%")) {
    // Whole whitespace-free tokens that hold at least three escapes, found from each escape.
    PERCENT.lastIndex = 0;
    let tokenEnd = 0;
    for (let m = PERCENT.exec(text); m !== null && examined < limits.maxCandidates; m = PERCENT.exec(text)) {
      if (m.index < tokenEnd) continue;
      let start = m.index;
      while (start > tokenEnd && !/\s/.test(text[start - 1] ?? " ")) start--;
      let end = m.index;
      while (end < text.length && end - start < limits.maxRun && !/\s/.test(text[end] ?? " ")) end++;
      tokenEnd = end;
      PERCENT.lastIndex = end;
      const token = text.slice(start, end);
      if (countEscapes(token) < 3) continue;
      examined++;
      keep(readableText(decodePercent(token)));
    }
  }

  if (text.includes(".- ") || text.includes("-. ")) {
    MORSE_RUN.lastIndex = 0;
    for (let m = MORSE_RUN.exec(text); m !== null && examined < limits.maxCandidates; m = MORSE_RUN.exec(text)) {
      examined++;
      keep(decodeMorse(m[0].slice(0, limits.maxRun)));
    }
  }

  const count = payloads.length;
  // rot13 has no telltale alphabet; decode only when the text itself names the cipher.
  const named = hint === undefined ? ROT13_HINT.test(text) : /rot.?13|caesar/.test(hint) && ROT13_HINT.test(hint);
  if (named) keep(rot13(text.slice(0, limits.maxRun)));
  return { payloads, count };
}
