import { PRIORITY, type Emit } from "../candidate.js";
import { alphabet } from "./alphabet.js";
import { B64_VALUE } from "./base64.js";
import { looksIllustrative } from "./value.js";

/**
 * Widths of a key-body line: 64 (PEM: RFC 7468, OpenSSL, PuTTY, GnuPG), 70 (OpenSSH) and whatever
 * width a key was re-wrapped at when pasted into code. 76 is left out: it is the width of MIME
 * (e-mail attachments, `base64` output), whose lines are compressed or binary files as often as
 * keys. Shorter runs (a block's last line) are only taken next to a full line (see below).
 */
const MIN_WIDTH = 40;
const MAX_WIDTH = 128;
const MIME_WIDTH = 76;
/** A piece of a one-line key: "…\nAB12==\n" after a full line. */
const MIN_PIECE = 4;
/** Below this width a line also needs a digit, "+" or "/" (random base64 of 60+ has them anyway). */
const LETTERS_ONLY_WIDTH = 60;
/** Identifiers and prose: this much of the body in lower-case runs of 5+ letters (random: ~3%). */
const MAX_WORD_SHARE = 0.3;
/** Decoded bytes that are this printable are encoded text, not key material. */
const MAX_PRINTABLE = 0.75;
/** How far the end of a line may go on after the body: closing quotes, "+", commas, escapes. */
const MAX_TAIL = 16;

const isBase64 = alphabet("A-Za-z0-9+/");
/** What may precede a body on its line: indentation, quotes, brackets, comment marks. */
const isLeadMark = alphabet("\t \"'`([{*#");
/** What may follow a body on its line. "+" and "\\" are handled apart (see `tailStart`). */
const isCloser = alphabet("\t\r \"'`,;)]}");

/**
 * Lines of a PEM or OpenSSH key body seen without their armour (a key pasted line by line, a log
 * of a key file, a key in a string concatenation, a commented-out key): a base64 run of 40–128
 * characters that ends its line, possibly before closing quotes, "+", a comma, a comment end or
 * a literal "\n" escape, and starts it after indentation, quotes, comment marks or a log prefix;
 * with upper and lower case, random-looking, not a run of words, and not decoding to text.
 * A line holding several pieces joined by literal "\n" escapes (a key in one string) is one span
 * from its first to its last piece, short pieces included, when one of them is a full line.
 * Lines are read backwards from their ends, each character at most once, so the pass is linear.
 */
export function detectKeyBodyLines(text: string, emit: Emit): void {
  let skip: number[] | undefined; // computed on the first line that qualifies
  let b = 0;
  const found = (start: number, end: number) => {
    skip ??= publicBlocks(text);
    while (b < skip.length && (skip[b + 1] ?? 0) <= start) b += 2;
    if (b < skip.length && (skip[b] ?? 0) <= start) return; // inside a certificate or public key
    emit({ start, end, type: "SECRET", priority: PRIORITY.secretAssignment });
  };
  let lineStart = 0;
  for (;;) {
    const nl = text.indexOf("\n", lineStart);
    const lineEnd = nl === -1 ? text.length : nl;
    if (lineEnd - lineStart >= MIN_WIDTH) keyPieces(text, lineStart, lineEnd, found);
    if (nl === -1) break;
    lineStart = nl + 1;
  }
}

/**
 * Reads the line backwards: the body that ends it, then, while each piece starts right after a
 * literal "\n"/"\r" escape, the piece before that escape. Reports each chain of pieces that
 * holds a full key line, from its first piece to its last.
 */
function keyPieces(text: string, lineStart: number, lineEnd: number, found: (s: number, e: number) => void): void {
  let chainStart = -1;
  let chainEnd = -1;
  let full = false;
  let j = lineEnd;
  for (;;) {
    const end = tailStart(text, lineStart, j);
    const start = pieceBefore(text, lineStart, end);
    if (start === -1) break;
    const width = end - start;
    // Right after a "\n"/"\r" escape (a run never starts right after its own letter otherwise).
    const letter = text.charCodeAt(start - 1);
    const escaped = start - 2 >= lineStart && (letter === 110 || letter === 114) && text.charCodeAt(start - 2) === 92;
    const leads = escaped || start === lineStart || isLeadMark(text.charCodeAt(start - 1));
    const fullLine: boolean =
      leads &&
      !full &&
      width >= MIN_WIDTH &&
      width <= MAX_WIDTH &&
      width !== MIME_WIDTH &&
      isKeyMaterial(text, start, end);
    // A piece that is not a full line only counts as part of a one-line key (escapes around it).
    const inChain = escaped || chainEnd !== -1;
    if (width < MIN_PIECE || !leads || !(fullLine || (inChain && looksLikePiece(text, start, end)))) break;
    full ||= fullLine;
    if (chainEnd === -1) chainEnd = end;
    chainStart = start;
    if (!escaped) break;
    j = start - 2; // before the "\n" escape: another piece may end there
  }
  if (full && !assignedToPublicName(text, lineStart, chainStart)) found(chainStart, chainEnd);
}

/**
 * `public_key = "…"`, `publicToken: …`, `csrf-token=…`: the line assigns the run to a field named
 * as a public or per-form value, not a private key's line.
 */
function assignedToPublicName(text: string, lineStart: number, start: number): boolean {
  let j = start;
  while (j > lineStart && start - j < 8 && isLeadMark(text.charCodeAt(j - 1))) j--;
  const sep = text.charCodeAt(j - 1);
  if (j <= lineStart || (sep !== 61 /* = */ && sep !== 58) /* : */) return false;
  j--;
  if (j > lineStart && text.charCodeAt(j - 1) === 58) j--; // ":="
  while (j > lineStart && start - j < 16 && isLeadMark(text.charCodeAt(j - 1))) j--;
  const nameEnd = j;
  while (j > lineStart && nameEnd - j < 64 && isNameChar(text.charCodeAt(j - 1))) j--;
  return nameEnd > j && PUBLIC_NAME.test(text.slice(j, nameEnd));
}

const PUBLIC_NAME = /(?:public|pub|publishable|csrf|xsrf)[_.-]?(?:api[_.-]?)?(?:key|token)s?$/i;

const isNameChar = alphabet("A-Za-z0-9_.-");

/**
 * Where a body ends when its line (or the previous piece) ends at `lineEnd`: before closers,
 * literal "\n"/"\r" escapes, backslashes, a comment end and a concatenating "+" (one written
 * after a quote or a space; a "+" right after base64 belongs to it). At most MAX_TAIL back.
 */
function tailStart(text: string, lineStart: number, lineEnd: number): number {
  let j = lineEnd;
  while (j > lineStart && lineEnd - j <= MAX_TAIL) {
    const c = text.charCodeAt(j - 1);
    const before = j - 2 >= lineStart ? text.charCodeAt(j - 2) : -1;
    if (isCloser(c) || c === 92 /* \ */) j--;
    else if ((c === 110 || c === 114) && before === 92)
      j -= 2; // "\n", "\r"
    else if (c === 47 /* / */ && before === 42 /* * */)
      j -= 2; // "*/"
    else if (c === 43 /* + */ && isCloser(before)) j--;
    else break;
  }
  return j;
}

/**
 * Start of the base64 run (with up to two "=" of padding) ending at `end`, read back at most
 * MAX_WIDTH + 1 characters; -1 when there is none or it is longer than a line. A run right after a
 * literal "\n"/"\r" escape starts after the escape's letter.
 */
function pieceBefore(text: string, lineStart: number, end: number): number {
  let j = end;
  while (j > lineStart && end - j < 2 && text.charCodeAt(j - 1) === 61 /* = */) j--;
  let s = j;
  while (s > lineStart && end - s <= MAX_WIDTH && isBase64(text.charCodeAt(s - 1))) s--;
  if (end - s > MAX_WIDTH) return -1;
  const c = text.charCodeAt(s);
  if (s > lineStart && text.charCodeAt(s - 1) === 92 && (c === 110 || c === 114)) s++;
  return s < end ? s : -1;
}

/** A piece of base64 rather than a word: some upper case, few lower-case words. */
function looksLikePiece(text: string, start: number, end: number): boolean {
  let upper = false;
  for (let i = start; i < end && !upper; i++) upper = isUpperCode(text.charCodeAt(i));
  return upper && wordShare(text, start, end) <= MAX_WORD_SHARE;
}

const isUpperCode = (c: number): boolean => c >= 65 && c <= 90;
/** Character counts of the body being judged (reset after each use). */
const COUNTS = new Int32Array(128);

/** Upper and lower case (and a digit or symbol below 60), no words, entropy, not encoded text. */
function isKeyMaterial(text: string, start: number, bodyEnd: number): boolean {
  let end = bodyEnd;
  while (end > start && text.charCodeAt(end - 1) === 61 /* = */) end--;
  let upper = false;
  let lower = false;
  let other = false;
  let inWords = 0;
  let run = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      lower = true;
      run++;
      continue;
    }
    if (run >= 5) inWords += run;
    run = 0;
    if (c >= 65 && c <= 90) upper = true;
    else other = true;
  }
  if (run >= 5) inWords += run;
  const n = end - start;
  if (!upper || !lower || (!other && n < LETTERS_ONLY_WIDTH) || inWords / n > MAX_WORD_SHARE) return false;
  if (entropyOf(text, start, end) < minEntropy(n) || encodesText(text, start, end)) return false;
  return !looksIllustrative(text.slice(start, end));
}

/** Shannon entropy of text[start, end) in bits per character (ASCII), without allocating. */
function entropyOf(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) & 127;
    COUNTS[c] = (COUNTS[c] ?? 0) + 1;
  }
  const n = end - start;
  let h = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) & 127;
    const k = COUNTS[c] ?? 0;
    if (k > 0) {
      h -= (k / n) * Math.log2(k / n);
      COUNTS[c] = 0;
    }
  }
  return h;
}

/**
 * Random base64 of n characters has about 4.8 bits per character at 40 and 5.2 at 64 (fewer
 * distinct characters fit in a short run); key material can be biased (ML-DSA keys have small
 * coefficients), so the bar sits well below that: 4.3 at 64 and up, lower for shorter lines.
 */
function minEntropy(width: number): number {
  return 4.3 - Math.max(0, 64 - width) * 0.02;
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

/** Share of characters in runs of five or more lower-case letters (the words of an identifier). */
function wordShare(text: string, start: number, end: number): number {
  let inWords = 0;
  let run = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : -1;
    if (c >= 97 && c <= 122) {
      run++;
    } else {
      if (run >= 5) inWords += run;
      run = 0;
    }
  }
  return inWords / (end - start);
}

/**
 * Whether the decoded bytes are MAX_PRINTABLE or more printable ASCII or whitespace (base64 of
 * text is near 1, random bytes near 0.4). A line cut from a longer stream may start at any of the
 * four offsets of a base64 quantum, so each reading counts; a reading stops as soon as it has
 * too many unprintable bytes to reach the bar.
 */
function encodesText(text: string, start: number, end: number): boolean {
  for (let offset = 0; offset < 4; offset++) if (printableFrom(text, start + offset, end)) return true;
  return false;
}

function printableFrom(text: string, start: number, end: number): boolean {
  const total = Math.floor(((end - start) * 6) / 8);
  const allowed = total * (1 - MAX_PRINTABLE); // unprintable bytes a text reading may have
  let bits = 0;
  let acc = 0;
  let unprintable = 0;
  for (let i = start; i < end; i++) {
    const v = B64_VALUE[text.charCodeAt(i)] ?? -1;
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      if (!((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) && ++unprintable > allowed) return false;
    }
  }
  return total > 0;
}
