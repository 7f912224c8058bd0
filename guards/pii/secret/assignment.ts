import { PRIORITY, type Emit } from "../candidate.js";
import { at, isAsciiAlnum, isSpaceOrTab } from "../chars.js";
import { readCodeValue, type CodeValue } from "./code-values.js";
import { KEY_QUALIFIERS, nameTier, SEED, type NameTier } from "./names.js";
import { readValue, type Value } from "./quoted.js";
import {
  charClasses,
  isCodeReference,
  isHexConstant,
  isPlaceholder,
  looksIllustrative,
  looksLikeKeyMaterial,
  looksRandom,
  sampleOf,
  wordCount,
} from "./value.js";

const MAX_NAME = 64;
const MAX_GAP = 8;
const isNameChar = (c: number) => isAsciiAlnum(c) || c === 95 || c === 46 || c === 45; // _ . -

/** Separators between a field name and its value, longest first. */
const SEPARATORS = ["!==", "===", "!=", "==", ":=", "=>", "%3D", "%3d", "=", ":"];
/** First characters of a separator, a quoted value or a function argument. */
const SEPARATOR_START = new Set([..."=:!%,\"'`&"].map((ch) => ch.charCodeAt(0)));
const AUTH_SCHEMES = /^(?:basic|bearer|token|ntlm|negotiate|digest|apikey|oauth|ssws)$/i;
const SQL_BEFORE_PASSWORD = /(?:^|\s)(?:with|login|encrypted|unencrypted)\s+$/i;
const IDENTIFIED = /\s+(?:with\s+['"`]?\w+['"`]?\s+)?(?:by|as)\s+/iy;
const TYPE_ANNOTATION = /^[A-Za-z_][\w.<>[\]?]*$/;
const DECLARATION = /\b(?:const|let|var|val|final|auto|local|my|export)\s+$/;
const FOR_ACCOUNT = /for[ \t]{1,4}[\w.@-]{1,64}[ \t]{0,4}(?=[:=])/y;
/** A C, NASM or RPM macro definition right before the name: its value is written bare. */
const MACRO = /(?:^|\s)[#%](?:define|global)[ \t]+$/;

/**
 * Values assigned to fields named like secrets: `password = "…"`, `api_key: …`, `SECRET_TOKEN=…`,
 * `"token": "…"`, `--password …`, `?token=…`, `Authorization: Bearer …`, SQL `IDENTIFIED BY '…'`.
 * The span is the value. How sure the name is decides how random the value must look: anything
 * but a placeholder for passwords, key-like strings for secrets and tokens, long random strings
 * for a bare "key". Identifiers are visited once each, so the scan is linear.
 */
export function detectAssignments(text: string, emit: Emit): void {
  const seed = new RegExp(SEED.source, "gi");
  while (seed.test(text)) {
    // Grow the identifier around the keyword hit, at most MAX_NAME characters each way.
    const hit = seed.lastIndex - 1;
    let i = hit;
    while (i > 0 && hit - i < MAX_NAME && isNameChar(text.charCodeAt(i - 1))) i--;
    let j = seed.lastIndex;
    while (j < text.length && j - i <= MAX_NAME && isNameChar(text.charCodeAt(j))) j++;
    let resume = j;
    if (j - i <= MAX_NAME && !isNameChar(at(text, i - 1))) {
      const found = assignmentAt(text, i, j);
      if (found?.accepted) {
        emit({ start: found.start, end: found.end, type: "SECRET", priority: PRIORITY.secretAssignment });
      }
      // Resume after the value, so every character is read a bounded number of times; a short
      // rejected bare value is searched again ("authorization: /oauth_signature=…").
      if (found && (found.accepted || found.quoted || found.end - found.start > 64)) resume = Math.max(j, found.next);
    }
    seed.lastIndex = resume;
  }
}

interface Judged extends Value {
  accepted: boolean;
}

function assignmentAt(text: string, nameStart: number, nameEnd: number): Judged | undefined {
  const name = text.slice(nameStart, nameEnd);
  const special = SPECIAL_NAMES.get(name.toLowerCase());
  if (special) return special(text, nameEnd);

  // Cheap layout checks first: most keyword hits are ordinary words ("rapid", "keyboard").
  const quotedName = quoteBefore(text, nameStart);
  let k = nameEnd;
  if (quotedName) k = skipQuote(text, k);
  // `"password=" + x`: the name sits inside a string literal whose closing quote follows the "=".
  const openLiteral = quotedName && k === nameEnd ? text.charCodeAt(nameStart - 1) : -1;
  if (at(text, k) === 93 /* ] */) k++; // config["password"] = …
  const gapStart = k;
  k = skipGap(text, k);
  const gap = k > gapStart;
  // "password for admin: …": the account between the name and its value.
  const forAccount = gap && at(text, k) === 102 /* f */ && accountAt(text, k);
  if (forAccount) k = forAccount;
  const next = at(text, k);
  const cliFlag = name.startsWith("-");
  const opensValue = gap && (cliFlag || isAsciiAlnum(next) || next === 123 /* { */ || escapedQuoteAt(text, k));
  if (!SEPARATOR_START.has(next) && !opensValue) return undefined;

  const named = nameTier(name);
  if (!named) return undefined;
  let { tier } = named;
  if (forAccount && tier !== "password") return undefined;
  if (tier === "key" && KEY_QUALIFIERS.has(wordBefore(text, nameStart).toLowerCase())) tier = "secret";

  let sep: string | undefined;
  for (const candidate of SEPARATORS) {
    if (text.startsWith(candidate, k)) {
      sep = candidate;
      break;
    }
  }
  let value: Value | undefined;
  let code: CodeValue | undefined;
  if (sep !== undefined && !(sep === ":" && (at(text, k + 1) === 58 || text.startsWith("//", k + 1)))) {
    if (at(text, k + sep.length) === openLiteral) return undefined;
    const from = skipSpaces(text, k + sep.length);
    code = readCodeValue(text, from);
    value = code?.value ?? readValue(text, from);
    if (!code && value && !value.quoted && sep === ":") value = afterTypeAnnotation(text, value);
  } else if (next === 44 /* , */ && (!quotedName || firstArgument(text, nameStart))) {
    // setopt(curl, CURLOPT_PASSWORD, "…"), define('PASSWORD', '…'), getenv("TOKEN", "…"): the
    // quoted argument after a name-like one.
    const v = readValue(text, skipSpaces(text, k + 1));
    value = v?.quoted ? v : undefined;
  } else if (gap) {
    code = readCodeValue(text, k);
    const v = code?.value ?? readValue(text, k);
    const before = text.slice(Math.max(0, nameStart - 24), nameStart);
    // SQL's bare form ("… WITH LOGIN PASSWORD s3cr3t;") is written in upper case.
    const sqlUnquoted = name === "PASSWORD" && SQL_BEFORE_PASSWORD.test(before);
    // `--password …` takes the next word; `#define PASSWORD "…"` and SQL take a quoted one; a
    // macro (`#define TOKEN 4b9a…`, `%global pw …`) takes its bare value.
    const bare = cliFlag || sqlUnquoted || code !== undefined || MACRO.test(before);
    if (v && (bare || v.quoted) && tier !== "key") value = v;
  }
  if (!value) return undefined;
  if (code?.kind === "bytes") return { ...value, accepted: tier !== "key" };
  // `const password = readSecret()`: in a declaration, a bare value is an expression, not a literal.
  // A shell `export NAME=value` (no space around "=") assigns a literal, unlike `export let x = f()`.
  const declared = DECLARATION.exec(text.slice(Math.max(0, nameStart - 12), nameStart));
  const shellExport = declared?.[0].startsWith("export") === true && sep === "=" && k === nameEnd;
  if (!value.quoted && declared && !shellExport) return undefined;
  if (tier === "secret" && /auth|bearer/i.test(name)) value = skipAuthScheme(text, value) ?? value;
  const raw = text.slice(value.start, value.end);
  // A field that describes its secret ("secret_path") is reported only for unmistakable key material.
  if (named.described) return { ...value, accepted: tier !== "key" && looksLikeKeyMaterial(raw) };
  return { ...value, accepted: acceptable(raw, tier, name, value.quoted) };
}

/** Whether `value`, held by a field named `name` of this tier, is reported as a secret. */
export function acceptable(value: string, tier: NameTier, name: string, quoted = true): boolean {
  const v = sampleOf(value);
  if (isPlaceholder(v) || isHexConstant(v)) return false;
  // A bare `self.password` is code; inside quotes the same text is a literal like any other.
  if (!quoted && isCodeReference(v)) return false;
  if (/^[-=:>]/.test(v)) return false; // another flag or separator, not a value
  if (tier === "password") {
    // A passphrase may have a few words; a sentence is a description, not a password.
    if (v.length < 4 || wordCount(v, 5) >= 5) return false;
    // Short ambiguous names ("pass", "pw") need a value that is not a plain word or number.
    return !/^(?:pass|pw)$/i.test(name.replace(/^[-@$]+/, "")) || charClasses(v) >= 2;
  }
  // Keys and tokens have no spaces; text with spaces under such a name is prose.
  if (/\s/.test(v) || looksIllustrative(v)) return false;
  return looksRandom(v, tier === "secret" ? 8 : 16);
}

/** "val password: String = "…"" / "def f(pw: str = "…")": skip the type to reach the value. */
function afterTypeAnnotation(text: string, value: Value): Value | undefined {
  const word = text.slice(value.start, value.end);
  if (!TYPE_ANNOTATION.test(word)) return value;
  const k = skipSpaces(text, value.next);
  if (at(text, k) !== 61 /* = */ || at(text, k + 1) === 61 || at(text, k + 1) === 62) return value;
  return readValue(text, skipSpaces(text, k + 1));
}

/** "Authorization: Bearer abc…" → the credential after the scheme word. */
function skipAuthScheme(text: string, value: Value): Value | undefined {
  const raw = text.slice(value.start, value.end);
  const space = raw.search(/\s/);
  if (value.quoted && space > 0 && AUTH_SCHEMES.test(raw.slice(0, space))) {
    return { ...value, start: skipSpaces(text, value.start + space) };
  }
  if (!value.quoted && AUTH_SCHEMES.test(raw) && isSpaceOrTab(at(text, value.end))) {
    return readValue(text, skipSpaces(text, value.end));
  }
  return value;
}

/** SQL "IDENTIFIED BY '…'" / "IDENTIFIED WITH plugin BY '…'" / "… AS '<hash>'". */
function identifiedBy(text: string, nameEnd: number): Judged | undefined {
  IDENTIFIED.lastIndex = nameEnd;
  const m = IDENTIFIED.exec(text);
  if (!m) return undefined;
  const value = readValue(text, nameEnd + m[0].length);
  if (!value) return undefined;
  return { ...value, accepted: acceptable(text.slice(value.start, value.end), "password", "identified", value.quoted) };
}

/** `curl -u user:password`, `--user user:password`: the part after the first colon. */
function userOption(text: string, nameEnd: number): Judged | undefined {
  if (!isSpaceOrTab(at(text, nameEnd))) return undefined;
  const value = readValue(text, skipSpaces(text, nameEnd));
  if (!value) return undefined;
  let colon = value.start;
  while (colon < value.end && text.charCodeAt(colon) !== 58 /* : */) colon++;
  // "user":"password", user:'password': the password is quoted apart from the user.
  const apart = colon >= value.end - 1 && at(text, colon >= value.end ? value.next : colon + 1) === 58;
  const quotedApart = colon === value.end - 1 && !value.quoted && QUOTE_CODES.has(at(text, value.end));
  if ((colon >= value.end && apart) || quotedApart) {
    const password = readValue(text, colon >= value.end ? value.next + 1 : value.end);
    if (!password?.quoted) return { ...value, accepted: false };
    const inner = unbrace(text, password);
    return { ...inner, accepted: curlPassword(text.slice(inner.start, inner.end)) };
  }
  if (colon >= value.end) return { ...value, accepted: false };
  if (colon === value.end - 1) {
    // "-u key:" (an API key as the user name, no password): the user part when it is key-like.
    const user = text.slice(value.start, colon);
    return { ...value, end: colon, accepted: acceptable(user, "secret", "user", value.quoted) };
  }
  const password = text.slice(colon + 1, value.end);
  return { ...value, start: colon + 1, accepted: curlPassword(password) };
}

const QUOTE_CODES = new Set([34, 39]);
const curlPassword = (password: string) => !isPlaceholder(password) && password.length >= 4;

/** "{ZqL5kVrX1n8tA2}": a value written inside template braces, when the inside is key-like. */
function unbrace(text: string, v: Value): Value {
  const inner = text.slice(v.start + 1, v.end - 1);
  if (text.charAt(v.start) !== "{" || text.charAt(v.end - 1) !== "}" || !looksRandom(inner, 8)) return v;
  return { ...v, start: v.start + 1, end: v.end - 1 };
}

/**
 * Spaces and tabs between a name and its value, and their escaped spellings in a string that
 * holds code ("#define\\tpassword\\t\\"…\\"", as JSON stores a C header).
 */
function skipGap(text: string, i: number): number {
  let j = i;
  while (j < text.length && j - i < MAX_GAP) {
    if (isSpaceOrTab(text.charCodeAt(j))) j++;
    else if (text.charCodeAt(j) === 92 /* \\ */ && at(text, j + 1) === 116 /* t */) j += 2;
    else break;
  }
  return j;
}

/** Where the separator after "for <account>" is, if `i` starts one ("for admin:", "for jo@x.io ="). */
function accountAt(text: string, i: number): number | undefined {
  FOR_ACCOUNT.lastIndex = i;
  return FOR_ACCOUNT.test(text) ? FOR_ACCOUNT.lastIndex : undefined;
}

/** A quote escaped with one or more backslashes, as in code and JSON strings. */
function escapedQuoteAt(text: string, i: number): boolean {
  let j = i;
  while (j - i < 8 && at(text, j) === 92) j++;
  const c = at(text, j);
  return j > i && (c === 34 || c === 39);
}

function skipSpaces(text: string, i: number): number {
  let j = i;
  while (j < text.length && j - i < MAX_GAP && isSpaceOrTab(text.charCodeAt(j))) j++;
  return j;
}

/** Names followed by syntax of their own rather than "name = value". */
const SPECIAL_NAMES = new Map<string, (text: string, nameEnd: number) => Judged | undefined>([
  ["identified", identifiedBy],
  ["-u", userOption],
  ["--user", userOption],
  ["convertto-securestring", secureString],
]);

/** `(` before the quoted name (spaces allowed): the name is a call's first argument. */
function firstArgument(text: string, nameStart: number): boolean {
  let p = nameStart - 2;
  while (p >= 0 && nameStart - p < 8 && isSpaceOrTab(text.charCodeAt(p))) p--;
  return at(text, p) === 40; /* ( */
}

/** PowerShell `ConvertTo-SecureString [-String] "…" [-AsPlainText] [-Force]`: the plain text. */
function secureString(text: string, nameEnd: number): Judged | undefined {
  let k = nameEnd;
  for (let guard = 0; guard < 4; guard++) {
    const s = skipSpaces(text, k);
    if (s === k || at(text, s) !== 45 /* - */) break;
    let e = s + 1;
    while (e < text.length && e - s < 16 && isAsciiAlnum(text.charCodeAt(e))) e++;
    k = e;
  }
  const start = skipSpaces(text, k);
  if (start === k) return undefined;
  const value = readValue(text, start);
  if (!value) return undefined;
  return {
    ...value,
    accepted: acceptable(text.slice(value.start, value.end), "password", "securestring", value.quoted),
  };
}

/** The name is itself a string literal ("password": …, 'token' => …, &quot;pw&quot;). */
function quoteBefore(text: string, i: number): boolean {
  const c = at(text, i - 1);
  return c === 34 || c === 39 || c === 96 || text.startsWith("&quot;", i - 6);
}

function skipQuote(text: string, k: number): number {
  if (text.startsWith("&quot;", k)) return k + 6;
  let j = k;
  while (j - k < 8 && at(text, j) === 92) j++; // an escaped quote: \", \\\"…
  const c = at(text, j);
  return c === 34 || c === 39 || (c === 96 && j === k) ? j + 1 : k;
}

/** The word right before `i`, across one space ("Secret Key", "access key"). */
function wordBefore(text: string, i: number): string {
  let e = i;
  while (e > 0 && i - e < 2 && isSpaceOrTab(text.charCodeAt(e - 1))) e--;
  if (e === i) return "";
  let s = e;
  while (s > 0 && e - s < 24 && isAsciiAlnum(text.charCodeAt(s - 1))) s--;
  return text.slice(s, e);
}
