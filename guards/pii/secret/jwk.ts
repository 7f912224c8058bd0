import { PRIORITY, type Emit } from "../candidate.js";
import { alphabet } from "./alphabet.js";
import { entropy, looksIllustrative, sampleOf } from "./value.js";

/**
 * A quoted private member of a JSON Web Key (RFC 7518): "d" (the private exponent of RSA, EC and
 * OKP keys), "p", "q", "dp", "dq", "qi" (RSA's factors and CRT values) and "k" (a symmetric key),
 * then a colon and the opening quote of the value. The quantifiers are bounded and the
 * alternatives are fixed strings, so the search is linear.
 */
const MEMBER = /"(?:d|p|q|dp|dq|qi|k)"[ \t]{0,8}:[ \t]{0,8}"/g;
const isB64Url = alphabet("A-Za-z0-9_-");
/** A 128-bit symmetric key is 22 characters; the private values of RSA and EC keys are longer. */
const MIN_VALUE = 20;
/** An RSA-8192 private exponent is 1,366 characters. */
const MAX_VALUE = 2048;

/**
 * Private members of JSON Web Keys. The value must be unpadded base64url (as RFC 7515 writes
 * every JWK value) of 20+ random-looking characters and be the whole string, so a one-letter
 * field holding a word, a path or a sentence is not reported. Only the value is the span.
 */
export function detectJwkMembers(text: string, emit: Emit): void {
  const re = new RegExp(MEMBER.source, "g");
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = re.lastIndex;
    let end = start;
    while (end < text.length && end - start <= MAX_VALUE && isB64Url(text.charCodeAt(end))) end++;
    const length = end - start;
    if (text.charCodeAt(end) !== 34 /* " */ || length < MIN_VALUE || length > MAX_VALUE) continue;
    const value = sampleOf(text.slice(start, end));
    if (entropy(value) >= 3.5 && mixed(value) && !looksIllustrative(value)) {
      emit({ start, end, type: "SECRET", priority: PRIORITY.secretFormat });
    }
    re.lastIndex = end;
  }
}

/** Upper and lower case and a digit or "-"/"_": random base64url has all of them. */
function mixed(v: string): boolean {
  return /[A-Z]/.test(v) && /[a-z]/.test(v) && /[0-9_-]/.test(v);
}
