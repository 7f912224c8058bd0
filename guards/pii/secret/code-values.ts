// Values written as code rather than as a literal after a secret-named field: a byte array
// (`{0x35, 0x34, …}`, `[]byte{…}`, `bytes([…])`) and the default of an environment lookup
// (`getenv("X", "…")`, `os.environ.get("X") or "…"`, `process.env.X || "…"`, `${X:-…}`): the
// literal a program falls back on is as much a hard-coded secret as a plain assignment.
import { readValue, type Value } from "./quoted.js";

/** Up to this many characters of type or call before the opening bracket: `[]byte`, `bytearray(`. */
const MAX_ARRAY_PREFIX = 24;
/** Fewer elements than this are a small constant (a flag list, a version), not a key. */
const MIN_ELEMENTS = 8;
const MAX_ELEMENTS = 512;
/** One element: a hexadecimal, octal or decimal byte, possibly negative (Java's signed bytes). */
const ELEMENT = /-?(?:0[xX][0-9a-fA-F]{1,4}|[0-9]{1,4})/y;
const isPrefixChar = (c: string): boolean => /[A-Za-z0-9_\][( \t]/.test(c);

/**
 * Environment lookups whose default follows: the call up to its fallback argument, or up to an
 * `or`/`||`/`??` after it, and shell parameter expansion. Bounded quantifiers only.
 */
const ENV_LOOKUP = new RegExp(
  [
    // getenv("X", "…"), os.environ.get('X', '…'), os.Getenv, System.getenv, ENV.fetch("X", "…")
    String.raw`(?:[A-Za-z_][\w.]{0,32}\.)?(?:getenv|getEnv|Getenv|get|fetch)\([ \t]{0,8}(?:"[^"\n]{0,64}"|'[^'\n]{0,64}'|[\w.]{1,64})[ \t]{0,8}(?:,[ \t]{0,8}|\)[ \t]{0,8}(?:or|\|\||\?\?)[ \t]{0,8})`,
    // process.env.X || "…", process.env["X"] ?? "…"
    String.raw`process\.env(?:\.\w{1,64}|\[(?:"\w{1,64}"|'\w{1,64}')\])[ \t]{0,8}(?:\|\||\?\?)[ \t]{0,8}`,
    // ${X:-…}, ${X-…}
    String.raw`\$\{\w{1,64}:?-`,
  ].join("|"),
  "y",
);
/** Callees that read the environment: getenv and its spellings; "get"/"fetch" only on environ, env or ENV. */
const ENV_CALLEE = /(?:^|\.)(?:getenv|getEnv|Getenv)\(|(?:environ|env|ENV)\.(?:get|fetch)\(|^process\.env|^\$\{/;

export interface CodeValue {
  value: Value;
  /** A byte array is judged by its shape here; a default literal like any other value. */
  kind: "bytes" | "default";
}

/** A byte array or an environment lookup's default at `from` (the elements; the default literal). */
export function readCodeValue(text: string, from: number): CodeValue | undefined {
  const bytes = byteArray(text, from);
  if (bytes) return { value: bytes, kind: "bytes" };
  const fallback = envDefault(text, from);
  return fallback ? { value: fallback, kind: "default" } : undefined;
}

function byteArray(text: string, from: number): Value | undefined {
  const open = arrayOpening(text, from);
  if (open === undefined) return undefined;
  let i = open;
  let start = -1;
  let end = -1;
  const seen = new Set<string>();
  let count = 0;
  for (;;) {
    while (text.charAt(i) === " " || text.charAt(i) === "\t") i++;
    ELEMENT.lastIndex = i;
    const m = ELEMENT.exec(text);
    if (!m) break;
    if (start === -1) start = i;
    i = ELEMENT.lastIndex;
    end = i;
    seen.add(m[0].toLowerCase());
    if (++count >= MAX_ELEMENTS) break;
    while (text.charAt(i) === " " || text.charAt(i) === "\t") i++;
    if (text.charAt(i) !== ",") break;
    i++;
  }
  // An array of one repeated byte or a handful of values is a constant, not key material.
  if (count < MIN_ELEMENTS || seen.size < 4) return undefined;
  return { start, end, quoted: false, next: end };
}

/**
 * Where the elements start: after "{" (`{0x35, …}`, `[]byte{…}`, `new byte[] {…}`), or after a
 * "[" or "(" directly followed by a number (`[223, 66, …]`, `bytes([…])`), within a short prefix of
 * type and call words.
 */
function arrayOpening(text: string, from: number): number | undefined {
  for (let i = from; i < text.length && i - from <= MAX_ARRAY_PREFIX; i++) {
    const c = text.charAt(i);
    if (c === "{") return i + 1;
    if (c === "[" || c === "(") {
      let j = i + 1;
      if (text.charAt(j) === "[") j++;
      while (text.charAt(j) === " ") j++;
      if (/[-0-9]/.test(text.charAt(j))) return j;
    }
    if (!isPrefixChar(c)) return undefined;
  }
  return undefined;
}

function envDefault(text: string, from: number): Value | undefined {
  ENV_LOOKUP.lastIndex = from;
  const m = ENV_LOOKUP.exec(text);
  if (!m || !ENV_CALLEE.test(m[0])) return undefined;
  const value = readValue(text, ENV_LOOKUP.lastIndex);
  // A default must be a literal: a quoted string, or the bare word of a shell expansion.
  if (!value || !(value.quoted || m[0].startsWith("${"))) return undefined;
  return value;
}
