import { isDigit } from "./chars.js";

/** Shortest run of token characters that can hold a key or token with a published format. */
const MIN_TOKEN_RUN = 16;

// Characters keys and tokens are written with: base64, base64url and hex letters plus the
// separators of their formats.
const TOKEN_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.+/=$%~") {
  TOKEN_CHAR[ch.charCodeAt(0)] = 1;
}
const isTokenChar = (c: number): boolean => c < 128 && TOKEN_CHAR[c] === 1;

/** A growable list of [start, end) pairs stored flat in an Int32Array (cheap for dense text). */
export class RunList {
  data = new Int32Array(64);
  length = 0;

  push(start: number, end: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
  }
}

/**
 * Landmarks of one text, computed once per `findPii` call and shared by the detectors, so that
 * they visit only the places that matter instead of every character:
 * - digit runs (cards, phones, SSNs, IPv4), found with a native regex search;
 * - long runs of token characters that contain a digit or an underscore (where API keys and
 *   tokens live: random keys of 16+ characters practically always contain a digit, and the
 *   letters-only formats have an underscore in their prefix), grown outwards from those seeds;
 * - the stretches of 40+ base64 characters inside those runs (encoded keys and files).
 * All lists are flat arrays of [start, end) pairs in text order, computed on first use.
 */
export class TextIndex {
  private digits: RunList | undefined;
  private tokens: RunList | undefined;
  private base64: RunList | undefined;

  constructor(readonly text: string) {}

  digitRuns(): RunList {
    return (this.digits ??= findDigitRuns(this.text));
  }

  tokenRuns(): RunList {
    if (this.tokens) return this.tokens;
    const { text } = this;
    const runs = new RunList();
    const { data: digits, length: digitCount } = this.digitRuns();
    let underscore = text.indexOf("_");
    let covered = 0;
    let d = 0;
    // Merge the two seed streams (digit runs, underscores) in text order, skipping seeds that lie
    // inside the run found last.
    for (;;) {
      while (d < digitCount && (digits[d] ?? 0) < covered) d += 2;
      if (underscore !== -1 && underscore < covered) underscore = text.indexOf("_", covered);
      const nextDigit = d < digitCount ? (digits[d] ?? 0) : Infinity;
      const next = Math.min(nextDigit, underscore === -1 ? Infinity : underscore);
      if (next === Infinity) break;
      let s = next;
      while (s > 0 && isTokenChar(text.charCodeAt(s - 1))) s--;
      let e = next + 1;
      while (e < text.length && isTokenChar(text.charCodeAt(e))) e++;
      covered = e;
      if (e - s >= MIN_TOKEN_RUN) runs.push(s, e);
    }
    return (this.tokens = runs);
  }

  /**
   * Stretches of 40+ standard base64 characters ("A–Z a–z 0–9 + /", padding excluded) inside the
   * token runs: where encoded files and base64 tokens live. Each run is probed every 40th
   * character, so text that is not base64 is mostly skipped unread.
   */
  base64Stretches(): RunList {
    if (this.base64) return this.base64;
    const stretches = new RunList();
    const { text } = this;
    const { data: runs, length: count } = this.tokenRuns();
    for (let r = 0; r < count; r += 2) {
      const to = runs[r + 1] ?? 0;
      let s = runs[r] ?? 0;
      while (s + MIN_BASE64_STRETCH <= to) {
        const probe = s + MIN_BASE64_STRETCH - 1;
        if (!isBase64Char(text.charCodeAt(probe))) {
          s = probe + 1;
          continue;
        }
        let b = probe;
        while (b > s && isBase64Char(text.charCodeAt(b - 1))) b--;
        // The end: a native search for the next other character (a run always ends with one).
        NOT_BASE64.lastIndex = probe + 1;
        const e = NOT_BASE64.test(text) ? NOT_BASE64.lastIndex - 1 : text.length;
        if (e - b >= MIN_BASE64_STRETCH) stretches.push(b, e);
        s = e + 1;
      }
    }
    return (this.base64 = stretches);
  }
}

const MIN_BASE64_STRETCH = 40;
const BASE64_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64_CHAR[ch.charCodeAt(0)] = 1;
const isBase64Char = (c: number): boolean => c < 128 && BASE64_CHAR[c] === 1;
const NOT_BASE64 = /[^A-Za-z0-9+/]/g;

/**
 * Digit runs. A native `test` loop is fastest while runs are sparse (ordinary text); once they
 * turn dense (one per 16 characters or more), a plain loop finishes the text more cheaply.
 */
function findDigitRuns(text: string): RunList {
  const runs = new RunList();
  const re = /[0-9]+/g;
  while (re.test(text)) {
    const end = re.lastIndex;
    let start = end - 1;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    runs.push(start, end);
    if (runs.length > 2048 && runs.length * 8 > end) return denseTail(text, runs, end);
  }
  return runs;
}

function denseTail(text: string, runs: RunList, from: number): RunList {
  // The hot loop of dense text: plain locals, growth inlined.
  let data = runs.data;
  let length = runs.length;
  let start = -1;
  const n = text.length;
  for (let i = from; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) {
      if (start === -1) start = i;
    } else if (start !== -1) {
      if (length + 2 > data.length) {
        const grown = new Int32Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      data[length++] = start;
      data[length++] = i;
      start = -1;
    }
  }
  runs.data = data;
  runs.length = length;
  return runs;
}
