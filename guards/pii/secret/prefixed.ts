import { createHash } from "node:crypto";
import { PRIORITY, type Emit } from "../candidate.js";
import { at } from "../chars.js";
import type { TextIndex } from "../text-index.js";
import { alphabet, tokenMayStart, type CharTest } from "./alphabet.js";
import { TOKEN_FORMATS, type TokenFormat } from "./formats.js";
import { entropy, isCamelIdentifier, isWordy, looksIllustrative, sampleOf } from "./value.js";

const DEFAULT_MAX = 1024;

// Letters, digits, "_" and "-": a token never starts right after one (inlined table for the hot loop).
const GLUE = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") GLUE[ch.charCodeAt(0)] = 1;

interface Entry {
  prefix: string;
  format: TokenFormat;
  body: CharTest;
}

/** Entries indexed by the prefix's first code unit, longest prefix first. */
const BY_FIRST: Entry[][] = buildIndex();
/** The first two code units of every prefix, as c0 * 128 + c1: a one-lookup rejection. */
const FIRST_TWO = new Uint8Array(128 * 128);
for (const f of TOKEN_FORMATS) for (const p of f.prefixes) FIRST_TWO[p.charCodeAt(0) * 128 + p.charCodeAt(1)] = 1;

function buildIndex(): Entry[][] {
  const index: Entry[][] = Array.from({ length: 128 }, () => []);
  for (const format of TOKEN_FORMATS) {
    const body = alphabet(format.body);
    for (const prefix of format.prefixes) index[prefix.charCodeAt(0)]?.push({ prefix, format, body });
  }
  for (const list of index) list.sort((a, b) => b.prefix.length - a.prefix.length);
  return index;
}

/**
 * Provider tokens with a published prefix (cloud keys, GitHub/GitLab/Slack tokens, `sk-…` API keys
 * and many more; see formats.ts). Only long runs of token characters are visited (see
 * TextIndex); inside them only positions a token may start at, and only the prefixes sharing
 * that position's first character, are tried. A body is read at most `max` characters.
 */
export function detectPrefixedTokens(text: string, emit: Emit, index: TextIndex): void {
  const { data: runs, length: count } = index.tokenRuns();
  for (let r = 0; r < count; r += 2) {
    const runStart = runs[r] ?? 0;
    const runEnd = runs[r + 1] ?? 0;
    for (let i = runStart; i < runEnd; i++) {
      // Tokens start at the run start or right after a character that does not glue ("=", "/",
      // "."…, or the "m" ending a colour code): one table lookup rules out every other position.
      const prev = i === runStart ? 32 : text.charCodeAt(i - 1);
      if (prev < 128 && GLUE[prev] === 1 && prev !== 109 /* m */) continue;
      const c = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      if (c >= 128 || !(c1 < 128) || FIRST_TWO[c * 128 + c1] !== 1) continue;
      const end = tokenAt(text, i, emit);
      if (end !== undefined) i = end - 1;
    }
  }
}

/** The end of a token with a known prefix starting at `i` (whose first two characters match one). */
function tokenAt(text: string, i: number, emit: Emit): number | undefined {
  const entries = BY_FIRST[text.charCodeAt(i)];
  if (!entries || !tokenMayStart(text, i)) return undefined;
  for (const entry of entries) {
    if (!text.startsWith(entry.prefix, i)) continue;
    const end = tokenEnd(text, i + entry.prefix.length, entry);
    if (end === undefined) continue;
    if (entry.format.examples?.has(sha256Prefix(text.slice(i, end)))) return end;
    const start = entry.format.bodyOnly ? i + entry.prefix.length : i;
    emit({ start, end, type: "SECRET", priority: PRIORITY.secretFormat });
    return end;
  }
  return undefined;
}

const sha256Prefix = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 16);

function tokenEnd(text: string, bodyStart: number, { format, body }: Entry): number | undefined {
  const max = format.max ?? DEFAULT_MAX;
  let j = bodyStart;
  while (j < text.length && j - bodyStart <= max && body(text.charCodeAt(j))) j++;
  if (j - bodyStart > max) return undefined; // the run goes on: not this format
  // Sentence punctuation that the alphabet happens to allow.
  while (j > bodyStart && ".-=".includes(text.charAt(j - 1)) && format.max === undefined) j--;
  const len = j - bodyStart;
  if (len < format.min) return undefined;
  const after = at(text, j);
  if (after !== -1 && /[A-Za-z0-9]/.test(String.fromCharCode(after))) return undefined;
  // "akab-….akamaiapis.net": a host name label, not a credential.
  if (after === 46 && /[A-Za-z0-9]/.test(text.charAt(j + 1)) && !body(46)) return undefined;
  const value = sampleOf(text.slice(bodyStart, j));
  if (format.shape && !format.shape.test(value)) return undefined;
  if (format.checksum?.(text.slice(bodyStart, j))) return j;
  if (looksIllustrative(value)) return undefined;
  // Prose glued to a prefix ("sk-learn-compatible-wrapper") or a degenerate body is not a key.
  if (isWordy(value) || isCamelIdentifier(value) || (len >= 16 && entropy(value) < 2.5)) return undefined;
  return j;
}
