// Keys without a mark of their own, recognised by the vendor named in their field: a UUID under
// `SNYK_TOKEN`, 40 characters under `sonar.login`, 37 hex digits under `cloudflare:`, and Bundler's
// `BUNDLE_<HOST>=user:password` credentials. The name and the exact shape together identify the
// credential; either alone does not (UUIDs are ids everywhere, `sonar.login` may be a user name).
import { PRIORITY, type Emit } from "../candidate.js";
import { at, isAsciiAlnum, isSpaceOrTab } from "../chars.js";
import { isPlaceholder } from "./value.js";

const MAX_NAME = 64;
const MAX_VALUE = 128;
const isNameChar = (c: number) => isAsciiAlnum(c) || c === 95 || c === 46 || c === 45; // _ . -
/** Assignment operators of code, config and Makefiles, longest first. */
const SEPARATORS = [":::=", "::=", ":=", "?=", "=>", "=", ":"];
const QUOTES = "\"'`";

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** A last name segment (or glued suffix) that says the field holds a credential, not an id. */
const CREDENTIAL_END = /(?:key|token|secret|auth|password|credentials?|login)$/i;

interface VendorRule {
  /** Lower-case vendor word the field name contains. */
  vendor: string;
  /** Extra condition on the whole (lower-cased) field name. */
  name?: RegExp;
  /** The value's published shape. */
  value: RegExp;
}

/**
 * Vendors whose API keys are UUIDs (Snyk API tokens, Heroku API keys, HubSpot legacy API keys,
 * MessageBird access keys, Postmark server tokens), SonarQube/SonarCloud tokens (40 characters,
 * optionally after `squ_`/`sqp_`/`sqa_`; `sonar.login` holds the token in scanner settings), Sumo
 * Logic access ids (`su` + 12) and Cloudflare's global API key (37 lower-case hex digits).
 */
const RULES: readonly VendorRule[] = [
  ...["snyk", "heroku", "hubspot", "messagebird", "postmark"].map((vendor) => ({
    vendor,
    name: CREDENTIAL_END,
    value: UUID,
  })),
  { vendor: "sonar", name: /(?:login|token)$/i, value: /^(?:sq[upa]_)?[A-Za-z0-9]{40}$/ },
  { vendor: "sumo", name: /access[_.-]?id$/i, value: /^su[A-Za-z0-9]{12}$/ },
  { vendor: "cloudflare", value: /^[0-9a-f]{37}$/ },
];

const BY_VENDOR = new Map(RULES.map((r) => [r.vendor, r]));
const SEED = /snyk|heroku|hubspot|messagebird|postmark|sonar|sumo|cloudflare|BUNDLE_/gi;
/** Bundler's per-host credential: BUNDLE_ + the host with "." written "__" (BUNDLE_GEMS__EXAMPLE__COM). */
const BUNDLER_HOST = /^BUNDLE_[A-Z0-9_]*[A-Z0-9]__[A-Z0-9]+$/;
const USER_PASSWORD = /^[^\s:]{2,}:[^\s:]{4,}$/;

export function detectVendorFields(text: string, emit: Emit): void {
  const seed = new RegExp(SEED.source, "gi");
  for (let m = seed.exec(text); m !== null; m = seed.exec(text)) {
    let s = m.index;
    while (s > 0 && m.index - s <= MAX_NAME && isNameChar(text.charCodeAt(s - 1))) s--;
    let e = seed.lastIndex;
    while (e < text.length && e - s <= MAX_NAME && isNameChar(text.charCodeAt(e))) e++;
    if (e - s > MAX_NAME) {
      // Longer than a name: skip the rest of the run, so each character is read a bounded number of times.
      while (e < text.length && isNameChar(text.charCodeAt(e))) e++;
      seed.lastIndex = e;
      continue;
    }
    seed.lastIndex = e;
    const shape = valueShape(m[0], text.slice(s, e));
    if (!shape) continue;
    const value = valueAfter(text, e);
    if (!value) continue;
    const raw = text.slice(value.start, value.end);
    if (!shape.test(raw)) continue;
    if (isPlaceholder(raw) || /example|xxxx|fake|dummy|sample|your/i.test(raw) || new Set(raw).size < 5) continue;
    emit({ start: value.start, end: value.end, type: "SECRET", priority: PRIORITY.secretAssignment });
    seed.lastIndex = Math.max(seed.lastIndex, value.end);
  }
}

/** The value shape a field of this name, found by `word`, may hold (none: not a credential field). */
function valueShape(word: string, name: string): RegExp | undefined {
  if (word === "BUNDLE_") return BUNDLER_HOST.test(name) ? USER_PASSWORD : undefined;
  const rule = BY_VENDOR.get(word.toLowerCase());
  return rule && (!rule.name || rule.name.test(name)) ? rule.value : undefined;
}

/** The value after `name = `, `name: "…"`, `"name": '…'`, `NAME ?= …` (quotes excluded). */
function valueAfter(text: string, nameEnd: number): { start: number; end: number } | undefined {
  let k = nameEnd;
  if (QUOTES.includes(text.charAt(k))) k++; // "name": …
  k = skipSpaces(text, k);
  const sep = SEPARATORS.find((x) => text.startsWith(x, k));
  if (sep === undefined) return undefined;
  k = skipSpaces(text, k + sep.length);
  const quote = QUOTES.includes(text.charAt(k)) ? text.charAt(k) : "";
  if (quote) k++;
  let e = k;
  while (e < text.length && e - k <= MAX_VALUE) {
    const c = text.charCodeAt(e);
    if (c <= 32 || (quote ? text.charAt(e) === quote : c === 59 /* ; */ || c === 44) /* , */) break;
    e++;
  }
  if (e === k || e - k > MAX_VALUE) return undefined;
  if (quote && text.charAt(e) !== quote) return undefined;
  if (!quote && !(e === text.length || isSpaceOrTab(at(text, e)) || /[\r\n;,]/.test(text.charAt(e)))) return undefined;
  return { start: k, end: e };
}

function skipSpaces(text: string, i: number): number {
  let j = i;
  while (j < text.length && j - i < 8 && isSpaceOrTab(text.charCodeAt(j))) j++;
  return j;
}
