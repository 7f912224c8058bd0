import { createHmac, randomBytes } from "node:crypto";
import type { PiiType } from "../types.js";

/** Hex characters of the HMAC kept in a token: 32 bits, enough to tell values apart in a log. */
const TOKEN_HEX = 8;

// Used when no key is given: random per process, so tokens correlate within one process's logs
// but cannot be recomputed by anyone else (nor across restarts).
let processKey: Buffer | undefined;

/**
 * A stable, keyed token for a value: HMAC-SHA256(key, type + ":" + canonical value), truncated.
 * The same value gives the same token under the same key, so occurrences can be correlated across
 * a log without revealing the value; without the key, tokens cannot be reversed or precomputed.
 */
export function hashToken(type: PiiType, value: string, key: string | undefined): string {
  const secret = key ?? (processKey ??= randomBytes(32));
  const digest = createHmac("sha256", secret)
    .update(`${type}:${canonical(type, value)}`)
    .digest("hex");
  return digest.slice(0, TOKEN_HEX);
}

/** Spelling variants of one value map to one token: "4111 1111…" and "4111-1111…" are one card. */
function canonical(type: PiiType, value: string): string {
  switch (type) {
    case "EMAIL":
    case "IP_ADDRESS":
      return value.toLowerCase();
    case "CREDIT_CARD":
    case "US_SSN":
      return value.replace(/\D/g, "");
    case "PHONE":
      return (value.trimStart().startsWith("+") ? "+" : "") + value.replace(/\D/g, "");
    case "IBAN":
      return value.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
    case "SECRET":
      return value;
  }
}
