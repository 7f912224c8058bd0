import { PRIORITY, type Emit } from "../candidate.js";
import { at } from "../chars.js";
import type { TextIndex } from "../text-index.js";
import { alphabet } from "./alphabet.js";
import { entropy, looksIllustrative } from "./value.js";

/**
 * Widths key-body lines are wrapped at: 64 for PEM (RFC 7468, OpenSSL, PuTTY, GnuPG) and 70 for
 * OpenSSH private keys. MIME's 76 is left out: it is the width of e-mail attachments.
 */
const WIDTHS = new Set([64, 70]);
/** Random base64 of this length has 5+ bits per character; words and identifiers stay near 4. */
const MIN_ENTROPY = 4.3;
/** Identifiers and prose: this much of the body in lower-case runs of 5+ letters (random: ~3%). */
const MAX_WORD_SHARE = 0.3;
/** Decoded bytes that are this printable are encoded text, not key material. */
const MAX_PRINTABLE = 0.75;
/** How far past the body a line may go on with closing quotes, commas and escapes. */
const MAX_TAIL = 16;

const isBase64 = alphabet("A-Za-z0-9+/");
const isLineStartMark = alphabet("\t\n\r \"'`");
const isCloser = alphabet("\t\r \"'`+,;)");

/**
 * A line of a PEM or OpenSSH key body seen without its armour (a key pasted line by line, a log of
 * a key file, one line of a key in a string): a base64 run of exactly a key file's line width that
 * ends its line (possibly after closing quotes, a comma or a literal "\n" escape) and starts after
 * whitespace or a quote, with all three of upper case, lower case and digits, random-looking, and
 * not decoding to text. Shorter lines (a block's last one) are not told from other base64.
 * Seeds are the long token runs of the index, so the pass is linear.
 */
export function detectKeyBodyLines(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.tokenRuns();
  let skip: number[] | undefined; // computed on the first line that qualifies
  let b = 0;
  for (let r = 0; r < count; r += 2) {
    let start = runs[r] ?? 0;
    const end = runs[r + 1] ?? 0;
    if (end - start < 64 || end - start > 71) continue;
    // An escaped line break right before ("…\nMIIE…"): the run starts after its letter.
    const escaped = at(text, start - 1) === 92 && (at(text, start) === 110 || at(text, start) === 114);
    if (escaped) start++;
    if (!WIDTHS.has(end - start) || !(escaped || startsLine(text, start)) || !endsLine(text, end)) continue;
    skip ??= publicBlocks(text);
    while (b < skip.length && (skip[b + 1] ?? 0) <= start) b += 2;
    if (b < skip.length && (skip[b] ?? 0) <= start) continue; // inside a certificate or public key
    const body = text.slice(start, end);
    if (isBodyShaped(body) && looksLikeKeyMaterial(body)) {
      emit({ start, end, type: "SECRET", priority: PRIORITY.secretAssignment });
    }
  }
}

const BEGIN = "-----BEGIN ";
const END = "-----END ";
const MAX_LABEL = 40;
const MAX_BLOCK = 64 * 1024;

/**
 * Ranges of armoured blocks that are not private keys (certificates, public keys, CSRs), as flat
 * [start, end) pairs: their lines have the same shape and are not secrets. A block runs to the next
 * footer within 64 KB, or 64 KB when there is none. Both searches move forward only.
 */
function publicBlocks(text: string): number[] {
  const out: number[] = [];
  let footer = text.indexOf(END);
  for (let begin = text.indexOf(BEGIN); begin !== -1;) {
    const from = begin + BEGIN.length;
    let close = from;
    while (close < text.length && close - from <= MAX_LABEL && text.charCodeAt(close) !== 45) close++;
    let next = close + 1;
    if (text.startsWith("-----", close) && !isPrivateLabel(text, close)) {
      if (footer !== -1 && footer < close) footer = text.indexOf(END, close);
      const end = footer !== -1 && footer - begin <= MAX_BLOCK ? footer : Math.min(text.length, begin + MAX_BLOCK);
      out.push(begin, end);
      next = Math.max(next, end);
    }
    begin = text.indexOf(BEGIN, next);
  }
  return out;
}

/** Whether the armour label ending at `close` names a private key ("… PRIVATE KEY", "… KEY BLOCK"). */
const isPrivateLabel = (text: string, close: number): boolean =>
  text.startsWith("PRIVATE KEY", close - 11) || text.startsWith("PRIVATE KEY BLOCK", close - 17);

function startsLine(text: string, start: number): boolean {
  return start === 0 || isLineStartMark(text.charCodeAt(start - 1));
}

/** Whether the line ends at `end`, allowing closing quotes, concatenation, commas and "\n" escapes. */
function endsLine(text: string, end: number): boolean {
  for (let j = end; j - end <= MAX_TAIL; j++) {
    const c = at(text, j);
    if (c === -1 || c === 10) return true;
    if (c === 92) {
      while (at(text, j) === 92) j++;
      const e = at(text, j);
      return e === 110 || e === 114; // an escaped line break ends the line within a string
    }
    if (!isCloser(c)) return false;
  }
  return false;
}

/** Base64 characters with at most two "=" of padding at the end. */
function isBodyShaped(body: string): boolean {
  let n = body.length;
  for (let pad = 0; pad < 2 && body.charCodeAt(n - 1) === 61; pad++) n--;
  let upper = false;
  let lower = false;
  let digit = false;
  for (let i = 0; i < n; i++) {
    const c = body.charCodeAt(i);
    if (!isBase64(c)) return false;
    if (c >= 65 && c <= 90) upper = true;
    else if (c >= 97 && c <= 122) lower = true;
    else if (c >= 48 && c <= 57) digit = true;
  }
  return upper && lower && digit;
}

function looksLikeKeyMaterial(body: string): boolean {
  if (entropy(body) < MIN_ENTROPY || looksIllustrative(body)) return false;
  return wordShare(body) <= MAX_WORD_SHARE && printableShare(body) < MAX_PRINTABLE;
}

/** Share of characters in runs of five or more lower-case letters (the words of an identifier). */
function wordShare(body: string): number {
  let inWords = 0;
  let run = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = i < body.length ? body.charCodeAt(i) : -1;
    if (c >= 97 && c <= 122) {
      run++;
    } else {
      if (run >= 5) inWords += run;
      run = 0;
    }
  }
  return inWords / body.length;
}

const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64_VALUE["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
}

/**
 * Share of the decoded bytes that are printable ASCII or whitespace (base64-encoded text is near 1,
 * random bytes near 0.4). A line cut from a longer stream may start at any of the four offsets of a
 * base64 quantum, so the best of the four readings counts.
 */
function printableShare(body: string): number {
  let best = 0;
  for (let offset = 0; offset < 4; offset++) best = Math.max(best, printableFrom(body, offset));
  return best;
}

function printableFrom(body: string, offset: number): number {
  let bits = 0;
  let acc = 0;
  let bytes = 0;
  let printable = 0;
  for (let i = offset; i < body.length; i++) {
    const v = B64_VALUE[body.charCodeAt(i)] ?? -1;
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      bytes++;
      if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) printable++;
    }
  }
  return bytes === 0 ? 1 : printable / bytes;
}
