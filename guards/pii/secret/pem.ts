import { PRIORITY, type Emit } from "../candidate.js";
import { alphabet } from "./alphabet.js";

// Labels of private-key armour: "PRIVATE KEY" after any algorithm or container words ("RSA",
// "OPENSSH", "ENCRYPTED", "ED25519"…), and PGP's "PGP PRIVATE KEY BLOCK".
// "-----BEGIN PUBLIC KEY-----" and certificates are not secrets.
const KEY_LABEL = /^(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?$/;
/** Words that say the armour wraps no real key. */
const NOT_A_KEY = /\b(?:FAKE|EXAMPLE|DUMMY|SAMPLE|EMPTY|PLACEHOLDER)\b/;

/** Whether an armour label names a private key ("BLOCK" belongs to PGP's label alone). */
export function isPrivateKeyLabel(label: string): boolean {
  if (!KEY_LABEL.test(label) || NOT_A_KEY.test(label)) return false;
  return label.startsWith("PGP ") === label.endsWith(" BLOCK");
}
const BEGIN = "-----BEGIN ";
const END = "-----END ";
const MAX_LABEL = 40;
/** A footer further than this from its header is not believed to close it. */
const MAX_BLOCK = 64 * 1024;
const MAX_BODY_LINES = 400;
const MAX_BODY_LINE = 512;
const isBase64 = alphabet("A-Za-z0-9+/=");
const isPadding = alphabet("\t\r \"'`+*,;\\");
const HEADER_LINE = /^[\s"'`+*,;]*[A-Za-z-]+: /;

/**
 * PEM private keys. With both armour lines the whole block is one span. A header without its
 * footer (a truncated paste) extends over the key-body lines that follow it; a footer without a
 * header extends back over the body lines before it, so a partial key is still redacted.
 * Every search moves forward, so the scan is linear however many armour lines there are.
 */
export function detectPemKeys(text: string, emit: Emit): void {
  let nextBegin = text.indexOf(BEGIN);
  let nextEnd = text.indexOf(END);
  let pos = 0;
  let lastEnd = 0;
  const advance = (to: number) => {
    pos = to;
    if (nextBegin !== -1 && nextBegin < pos) nextBegin = text.indexOf(BEGIN, pos);
    if (nextEnd !== -1 && nextEnd < pos) nextEnd = text.indexOf(END, pos);
  };
  while (nextBegin !== -1 || nextEnd !== -1) {
    if (nextBegin !== -1 && (nextEnd === -1 || nextBegin < nextEnd)) {
      const begin = nextBegin;
      const header = armour(text, begin, BEGIN.length);
      if (!header) {
        advance(begin + 1);
        continue;
      }
      advance(header.end);
      const footer = nextEnd === -1 ? undefined : armour(text, nextEnd, END.length);
      const closes = footer !== undefined && footer.label === header.label && footer.end - begin <= MAX_BLOCK;
      const end = closes ? footer.end : bodyForward(text, header.end);
      // A whole block around nothing, or a word ("anything", "<key>"): a placeholder, not a key.
      if (closes && !hasKeyBody(text, header.end, nextEnd)) {
        advance(end);
        continue;
      }
      emit({ start: begin, end, type: "SECRET", priority: PRIORITY.secretFormat });
      lastEnd = end;
      advance(end);
    } else {
      const endMark = nextEnd;
      const footer = armour(text, endMark, END.length);
      if (footer) {
        const start = Math.max(bodyBackward(text, endMark), lastEnd);
        emit({ start, end: footer.end, type: "SECRET", priority: PRIORITY.secretFormat });
        lastEnd = footer.end;
      }
      advance(footer ? footer.end : endMark + 1);
    }
  }
}

function armour(text: string, at: number, skip: number): { label: string; end: number } | undefined {
  const from = at + skip;
  let close = from;
  while (close < text.length && close - from <= MAX_LABEL && text.charCodeAt(close) !== 45) close++;
  if (!text.startsWith("-----", close)) return undefined;
  const label = text.slice(from, close);
  return isPrivateKeyLabel(label) ? { label, end: close + 5 } : undefined;
}

/** Whether [from, to) holds at least MIN_BODY base64 characters (a real key has hundreds). */
function hasKeyBody(text: string, from: number, to: number): boolean {
  let n = 0;
  for (let i = from; i < to && n < MIN_BODY; i++) if (isBase64Code(text.charCodeAt(i))) n++;
  return n >= MIN_BODY;
}
const MIN_BODY = 32;
const isBase64Code = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;

/** End of the line starting at `from`, or -1 when it is longer than a body line can be. */
function lineEnd(text: string, from: number): number {
  let j = from;
  while (j < text.length && j - from <= MAX_BODY_LINE && text.charCodeAt(j) !== 10) j++;
  return j - from > MAX_BODY_LINE ? -1 : j;
}

/**
 * A line of key body: four or more base64 characters, wrapped in any of indentation, quotes,
 * string concatenation and escaped newlines ("\\n"), as keys pasted into code are; or an
 * encrypted key's "Proc-Type: …" style header. Checked with a plain scan of the line.
 */
function isBody(line: string): boolean {
  let i = 0;
  while (i < line.length && isPadding(line.charCodeAt(i))) i++;
  const start = i;
  while (i < line.length && isBase64(line.charCodeAt(i))) i++;
  if (i - start < 4) return HEADER_LINE.test(line);
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const escape = c === 92 /* \ */ && (line.charAt(i + 1) === "n" || line.charAt(i + 1) === "r");
    if (escape) i++;
    else if (!isPadding(c)) return false;
  }
  return true;
}

/** End of the key-body lines that follow a header (stops at the first line that is not body). */
function bodyForward(text: string, headerEnd: number): number {
  let end = headerEnd;
  let nl = lineEnd(text, headerEnd);
  for (let k = 0; k < MAX_BODY_LINES && nl !== -1 && nl < text.length; k++) {
    const next = lineEnd(text, nl + 1);
    if (next === -1) break;
    const line = text.slice(nl + 1, next);
    if (!isBody(line)) break;
    end = nl + 1 + line.trimEnd().length;
    nl = next;
  }
  return end;
}

/**
 * Start of a base64 body of 16+ characters that ends in literal "\\n"/"\\r" escapes right before
 * `footerAt`, scanning back no further than `lineStart`.
 */
function escapedBodyStart(text: string, lineStart: number, footerAt: number): number | undefined {
  let i = footerAt;
  while (i - 2 >= lineStart && text.charCodeAt(i - 2) === 92 && "rn".includes(text.charAt(i - 1))) i -= 2;
  if (i === footerAt) return undefined;
  const bodyEnd = i;
  while (i > lineStart && isBase64(text.charCodeAt(i - 1))) i--;
  return bodyEnd - i >= 16 ? i : undefined;
}

/** Start of the key-body lines that precede a footer. */
function bodyBackward(text: string, footerAt: number): number {
  // Start of the footer's own line, unless that line holds more than padding before the footer.
  let start = footerAt;
  while (start > 0 && footerAt - start <= MAX_BODY_LINE && text.charCodeAt(start - 1) !== 10) start--;
  const before = text.slice(start, footerAt);
  if (before.trim() !== "") {
    // A one-line escaped key ("…S4dh\\n-----END …"): take the body run before the escapes.
    return escapedBodyStart(text, start, footerAt) ?? footerAt;
  }
  let spanStart = footerAt;
  for (let k = 0; k < MAX_BODY_LINES && start > 0; k++) {
    let prev = start - 1;
    while (prev > 0 && start - 1 - prev <= MAX_BODY_LINE && text.charCodeAt(prev - 1) !== 10) prev--;
    const line = text.slice(prev, start - 1);
    if (start - 1 - prev > MAX_BODY_LINE || !isBody(line)) break;
    spanStart = prev + (line.length - line.trimStart().length);
    start = prev;
  }
  return spanStart;
}
