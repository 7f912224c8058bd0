import { PRIORITY, type Emit } from "../candidate.js";
import { entropy, looksIllustrative } from "./value.js";

// Password hashes: stored credentials that can be cracked offline, so they are redacted like the
// passwords themselves. Every pattern opens with a literal ("$", "{", "*", a scheme name) and has
// bounded quantifiers only, so each attempt reads at most a few hundred characters and the regex
// engine skips to the next literal: linear in the input.

const C = "[./A-Za-z0-9]"; // the crypt(3) alphabet
const B = "[A-Za-z0-9+/]"; // standard base64 (argon2, PHC strings, Django)

/** Modular crypt format: bcrypt, md5-crypt, Apache apr1, sha256/sha512-crypt, yescrypt, argon2, scrypt. */
const CRYPT = new RegExp(
  `(?:${[
    `\\$2[abxy]?\\$\\d\\d\\$(${C}{53})`,
    `\\$(?:1|apr1|md5)\\$${C}{1,8}\\$(${C}{22})`,
    `\\$5\\$(?:rounds=\\d{1,9}\\$)?${C}{1,16}\\$(${C}{43})`,
    `\\$6\\$(?:rounds=\\d{1,9}\\$)?${C}{1,16}\\$(${C}{86})`,
    `\\$(?:y|gy|7)\\$${C}{1,64}\\$${C}{1,86}\\$(${C}{43})`,
    `\\$argon2(?:id|i|d)\\$(?:v=\\d{1,3}\\$)?m=\\d{1,9},t=\\d{1,9},p=\\d{1,4}\\$${B}{8,88}\\$(${B}{16,172})`,
    `\\$scrypt\\$ln=\\d{1,3},r=\\d{1,3},p=\\d{1,3}\\$${B}{8,88}\\$(${B}{16,172})`,
    `\\$pbkdf2(?:-sha(?:1|256|512))?\\$\\d{1,9}\\$${C}{8,88}\\$(${C}{16,172})`,
  ]
    .map((p) => `(?:${p})`)
    .join("|")})(?![./A-Za-z0-9+=])`,
  "g",
);

/**
 * Django ("pbkdf2_sha256$<iterations>$<salt>$<base64>", "sha1$<salt>$<hex>"), Werkzeug
 * ("pbkdf2:sha256:600000$<salt>$<hex>", "scrypt:32768:8:1$…") and passlib's "$pbkdf2-sha256$".
 */
const SCHEMED = new RegExp(
  `(?:${[
    `(?:pbkdf2_sha(?:1|256)|scrypt)\\$\\d{1,9}(?:\\$\\d{1,3}){0,2}\\$${C}{4,64}\\$(${B}{27,128}={0,2})`,
    `(?:pbkdf2:sha(?:1|256|512)|scrypt):\\d{1,9}(?::\\d{1,3}){0,2}\\$${C}{4,64}\\$([0-9a-f]{40,256})`,
    `(?:sha1|md5)\\$[A-Za-z0-9]{4,32}\\$([0-9a-f]{32,40})`,
  ]
    .map((p) => `(?:${p})`)
    .join("|")})(?![A-Za-z0-9+/=])`,
  "g",
);

/** LDAP / htpasswd userPassword schemes: "{SSHA}…", "{SHA}…", "{PBKDF2-SHA256}…". */
const LDAP =
  /\{(?:S?SHA(?:256|384|512)?|S?MD5|PBKDF2(?:-SHA(?:1|256|512))?|ARGON2|BCRYPT)\}([A-Za-z0-9+/.$=:]{20,300})/g;

/** MySQL 4.1+ native password hash: "*" and 40 upper-case hex digits. */
const MYSQL = /\*([0-9A-F]{40})(?![0-9A-Za-z])/g;

/** pwdump / secretsdump lines "user:rid:<LM hash>:<NT hash>:::". */
const PWDUMP = /:[0-9a-fA-F]{32}:([0-9a-fA-F]{32}):::/g;

export function detectPasswordHashes(text: string, emit: Emit): void {
  if (text.includes("$")) {
    scan(text, CRYPT, emit, /[A-Za-z0-9\\$]/);
    scan(text, SCHEMED, emit, /[A-Za-z0-9_]/);
  }
  if (text.includes("}")) scan(text, LDAP, emit, /[A-Za-z0-9]/);
  if (text.includes("*")) scan(text, MYSQL, emit, /[A-Za-z0-9*]/);
  if (text.includes(":::")) scan(text, PWDUMP, emit, /(?!)/);
}

function scan(text: string, re: RegExp, emit: Emit, glue: RegExp): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (start > 0 && glue.test(text.charAt(start - 1))) continue;
    const digest = m.slice(1).find((g) => g !== undefined) ?? m[0];
    if (!digestLooksReal(digest)) continue;
    emit({ start, end, type: "SECRET", priority: PRIORITY.secretFormat });
  }
  re.lastIndex = 0;
}

/** A real digest is random: many distinct characters, not "xxxx…", "…EXAMPLE…" or a counting run. */
function digestLooksReal(d: string): boolean {
  const sample = d.length > 64 ? d.slice(0, 64) : d;
  return !looksIllustrative(sample) && entropy(sample) >= 3;
}
