// Reading a value that follows "name =" / "name:" in code, config, URLs, command lines and prose.

export interface Value {
  start: number;
  end: number;
  quoted: boolean;
  /** Where the value's notation ends (after a closing quote); scanning resumes here. */
  next: number;
}

const MAX_VALUE = 1024;

// Characters that end an unquoted value. "(" ends it too, and marks a call rather than a value.
const ENDS_UNQUOTED = new Set([..." \t\r\n\"'`,;<>&)]}|\\("].map((ch) => ch.charCodeAt(0)));

/** Opening quote notations, longest first, with their closing counterpart. */
const QUOTES: Array<[string, string]> = [
  ['"""', '"""'],
  ["'''", "'''"],
  ["&quot;", "&quot;"],
  ['\\"', '\\"'],
  ["\\'", "\\'"],
  ['"', '"'],
  ["'", "'"],
  ["`", "`"],
];

export function readValue(text: string, from: number): Value | undefined {
  let v = from;
  // String prefixes: b"…", r'…', u"…", f"…", rb"…".
  let p = v;
  while (p < text.length && p - v < 2 && "bBrRuUfF".includes(text.charAt(p))) p++;
  if (p > v && isQuoteAt(text, p)) v = p;

  for (const [open, close] of quotesAt(text, v)) {
    if (!text.startsWith(open, v)) continue;
    const start = v + open.length;
    const end = findClose(text, start, close);
    if (end !== undefined) return { start, end, quoted: true, next: end + close.length };
    return unquoted(text, start); // unterminated: read on as if bare
  }
  return unquoted(text, v);
}

/** Backslashes before a quote in JSON nested in JSON ("{\\\"pw\\\":…}"): at most this many. */
const MAX_ESCAPES = 7;

/**
 * The quote notations to try at `v`: the fixed list, or a quote escaped by several backslashes
 * (each level of string nesting doubles them), which closes with the same sequence.
 */
function quotesAt(text: string, v: number): Array<[string, string]> {
  let j = v;
  while (j - v <= MAX_ESCAPES && text.charCodeAt(j) === 92) j++;
  const q = text.charAt(j);
  if (j - v < 2 || j - v > MAX_ESCAPES || (q !== '"' && q !== "'")) return QUOTES;
  const nested = text.slice(v, j + 1);
  return [[nested, nested]];
}

function isQuoteAt(text: string, i: number): boolean {
  const c = text.charAt(i);
  return c === '"' || c === "'" || c === "`" || text.startsWith("&quot;", i) || text.startsWith('\\"', i);
}

function findClose(text: string, start: number, close: string): number | undefined {
  const multiline = close.length === 3;
  for (let j = start; j < text.length && j - start <= MAX_VALUE; j++) {
    const c = text.charCodeAt(j);
    if (c === 10 && !multiline) return undefined;
    if (text.startsWith(close, j)) {
      // A backslash-escaped quote inside the value does not close it.
      if (close.length === 1 && j > start && text.charCodeAt(j - 1) === 92) continue;
      return j;
    }
  }
  return undefined;
}

// "&" ends a value only where it starts the next URL parameter ("&page=2") or an HTML entity.
const NEXT_PARAMETER = /&(?:[\w.-]{1,32}=|[a-z]{2,8};|#\d{1,6};)/y;

function ampersandInValue(text: string, j: number): boolean {
  if (text.charCodeAt(j) !== 38 /* & */) return false;
  NEXT_PARAMETER.lastIndex = j;
  return !NEXT_PARAMETER.test(text);
}

/** Bare values run to a delimiter however long they are (a key pasted unquoted is still a key). */
function unquoted(text: string, start: number): Value | undefined {
  let j = start;
  while (j < text.length && (!ENDS_UNQUOTED.has(text.charCodeAt(j)) || ampersandInValue(text, j))) j++;
  let end = j;
  // A full stop that ends the sentence is not part of the value.
  while (end > start && text.charCodeAt(end - 1) === 46) end--;
  if (end === start) return undefined;
  if (text.charCodeAt(j) === 40 /* ( */) return undefined; // a call: getenv("X"), os.environ.get(…)
  return { start, end, quoted: false, next: j };
}
