import { PRIORITY, type Emit } from "../candidate.js";
import type { TextIndex } from "../text-index.js";
import { alphabet } from "./alphabet.js";
import { decodeBase64, sextet } from "./base64.js";

/** Characters that continue a base64 token: a run starting right after one is a fragment. */
const continuesToken = alphabet("A-Za-z0-9+/_-");
/** Decoding stops here: a key in an encoded document sits near its start. */
const MAX_DECODED = 48 * 1024;
/** Base64 of "openssh-key-v1\0", the magic that starts every OpenSSH private key file. */
const OPENSSH_MAGIC = "b3BlbnNzaC1rZXktdjE";
/** Base64 of "-----BEGIN", at the start of an encoded PEM file. */
const PEM_MAGIC = "LS0tLS1CRUdJTi";

/**
 * Private keys hidden by one layer of base64 (Kubernetes secrets, environment variables, CI
 * variables): the body of an OpenSSH key file (its magic shows even in a single line), an
 * encoded PEM file whose armour names a private key, and encoded text (YAML, JSON, a service
 * account file) that holds a PEM private key or a private JSON Web Key. The candidates are the
 * index's base64 stretches (40+ characters); one is decoded only when its first bytes are text,
 * so random base64 costs a few characters.
 */
export function detectEncodedKeys(text: string, emit: Emit, index: TextIndex): void {
  const { data: stretches, length: count } = index.base64Stretches();
  for (let k = 0; k < count; k += 2) {
    const start = stretches[k] ?? 0;
    const e = stretches[k + 1] ?? 0;
    // A stretch glued to "_" or "-" is the tail of an identifier, not an encoded file.
    if (start > 0 && continuesToken(text.charCodeAt(start - 1))) continue;
    let end = e;
    while (end - e < 2 && text.charCodeAt(end) === 61 /* = */) end++;
    if (holdsPrivateKey(text, start, e)) emit({ start, end, type: "SECRET", priority: PRIORITY.secretFormat });
  }
}

function holdsPrivateKey(text: string, start: number, end: number): boolean {
  if (text.startsWith(OPENSSH_MAGIC, start)) return true;
  // Random base64 fails on its first quantum 19 times in 20; no decoding before that.
  if (!startsAsText(text, start) || !isText(decodeBase64(text, start, start + 16, 12))) return false;
  const decoded = decodeBase64(text, start, end, MAX_DECODED);
  if (text.startsWith(PEM_MAGIC, start)) {
    // "-----BEGIN <label>": a private-key label, possibly cut off by the end of this line.
    const label = decoded.slice(11, 60);
    return label.includes("PRIVATE") && !label.startsWith("CERTIFICATE") && !label.startsWith("PUBLIC");
  }
  return decoded.includes("PRIVATE KEY-----") || holdsPrivateJwk(decoded);
}

/** A JSON Web Key with private members: "kty" and a "d" (RSA, EC, OKP) or "k" (symmetric). */
function holdsPrivateJwk(decoded: string): boolean {
  return decoded.includes('"kty"') && (decoded.includes('"d"') || decoded.includes('"k"'));
}

/** Whether the first four characters encode three bytes of text. */
function startsAsText(text: string, start: number): boolean {
  const bits =
    (sextet(text, start) << 18) |
    (sextet(text, start + 1) << 12) |
    (sextet(text, start + 2) << 6) |
    sextet(text, start + 3);
  return isTextByte(bits >>> 16) && isTextByte((bits >>> 8) & 0xff) && isTextByte(bits & 0xff);
}

const isTextByte = (b: number): boolean => (b >= 32 && b < 127) || b === 9 || b === 10 || b === 13;

/** Printable ASCII and line breaks only: what encoded YAML, JSON and PEM files start with. */
function isText(bytes: string): boolean {
  if (bytes.length === 0) return false;
  for (let i = 0; i < bytes.length; i++) if (!isTextByte(bytes.charCodeAt(i))) return false;
  return true;
}
