// Which field names hold secrets. A name is split into segments ("MYSQL_DATABASE_PASSWORD" →
// mysql, database, password); the last segment that names a secret decides, unless a later
// segment says the field only describes the secret ("password_hint", "token_count").

/** How much a field name says about its value, strongest first. */
export type NameTier = "password" | "secret" | "key";

/** Fragments every secret-like name contains; a native search for them finds the names to judge. */
export const SEED =
  /pas|psw|ssw|pw|secret|token|auth|cred|key|api|bearer|salt|nonce|signature|jwt|identified|securestring|-u/i;

const PASSWORD_SUFFIX = /(?:pa?s{1,2}w(?:o?r)?ds?|passphrase|passcode|pwd)$/;
const SECRET_SUFFIX =
  /(?:secret|token|auth|authorization|authentication|credentials?|creds?|bearer|salt|nonce|signature|jwt|(?:api|access|secret|private|master|signing|encryption|session|client|auth|aes|hmac|license|app|consumer)key)$/;

/** Segments after the secret word that turn the name into metadata about the secret. */
const DESCRIBES = new Set(
  (
    "id ids type types name names length len size min max count counts policy policies field fields " +
    "label hint prompt mask regex pattern format file filename path dir url uri endpoint header param " +
    "params enabled enable disabled required reset expiry expires expiration expire expired ttl " +
    "timeout time lock attempts input placeholder limit limits version algorithm alg store manager " +
    "provider service strength rule rules error errors message text location ref env var mode method " +
    "kind class schema index idx usage used remaining lifetime validity age cache storage changed " +
    "updated created at date prefix suffix issuer audience scope scopes method endpoint uses result " +
    "results status"
  ).split(" "),
);

/** A segment before the secret word, or a glued prefix of it, that makes the value public. */
const NOT_SECRET_QUALIFIERS = /^(?:public|pub|publishable|csrf|xsrf)(?:[A-Z_]|$)|^(?:PUBLIC|CSRF|XSRF)(?:_|$)/;

export function classifyName(rawName: string): NameTier | undefined {
  const named = nameTier(rawName);
  return named && !named.described ? named.tier : undefined;
}

/**
 * The tier of a name that names a secret, and whether a later segment makes it describe the
 * secret instead ("password_hint", "secret_path"): such fields usually hold metadata, so callers
 * only take unmistakable key material from them.
 */
export function nameTier(rawName: string): { tier: NameTier; described: boolean } | undefined {
  const segments = rawName
    .replace(/^[-@$]+/, "")
    .split(/[._-]+/)
    .filter(Boolean);
  for (let k = segments.length - 1; k >= 0; k--) {
    const seg = segments[k] ?? "";
    let tier = segmentTier(seg);
    if (!tier) continue;
    // "public_key", "publicToken", "csrf-token": public or per-form values, not credentials.
    if (NOT_SECRET_QUALIFIERS.test(segments[k - 1] ?? "") || NOT_SECRET_QUALIFIERS.test(seg)) return undefined;
    // "private_key", "api-key", "SECRET_KEY": the qualifier makes a bare "key" a credential.
    if (tier === "key" && KEY_QUALIFIERS.has((segments[k - 1] ?? "").toLowerCase())) tier = "secret";
    const after = segments.slice(k + 1).map((s) => s.toLowerCase().replace(/\d+$/, ""));
    return { tier, described: after.some((s) => DESCRIBES.has(s)) };
  }
  return undefined;
}

function segmentTier(seg: string): NameTier | undefined {
  const low = seg.toLowerCase().replace(/\d+$/, "");
  if (low === "pw" || low === "pass" || PASSWORD_SUFFIX.test(low) || isPasswordTypo(low)) return "password";
  // All-caps environment names glue words together: MYSQLPASS, DBPASS.
  if (low.length > 4 && low.endsWith("pass") && seg === seg.toUpperCase()) return "password";
  if (SECRET_SUFFIX.test(low)) return "secret";
  if (low.endsWith("key") || low === "api") return "key";
  return undefined;
}

/** Words that, right before a bare "key" ("Secret Key: …", "access key: …"), make it a credential. */
export const KEY_QUALIFIERS = new Set(
  "api access secret private auth authentication activation license encryption master signing client session aes hmac".split(
    " ",
  ),
);

const PASSWORD = "password";

/**
 * "password" with one letter left out, added, changed or swapped with its neighbour ("pasword",
 * "passworsd", "passwrod"): names are typed by people, and a misspelt field still holds the
 * password. Only words of the right length starting with "p" are compared.
 */
export function isPasswordTypo(word: string): boolean {
  const n = word.length;
  if (n < 7 || n > 9 || word.charCodeAt(0) !== 112 /* p */) return false;
  let i = 0;
  while (i < n && i < PASSWORD.length && word.charCodeAt(i) === PASSWORD.charCodeAt(i)) i++;
  if (i === n && n === PASSWORD.length) return false; // the word itself
  const rest = (a: number, b: number) => word.slice(a) === PASSWORD.slice(b);
  if (n === PASSWORD.length) {
    const swapped = word.charAt(i) === PASSWORD.charAt(i + 1) && word.charAt(i + 1) === PASSWORD.charAt(i);
    return rest(i + 1, i + 1) || (swapped && rest(i + 2, i + 2));
  }
  return n > PASSWORD.length ? rest(i + 1, i) : rest(i, i + 1);
}
