import type { PiiType } from "../types.js";
import { isAsciiAlnum, isDigit } from "./chars.js";

const STARS = "********";

/**
 * A partly masked form that keeps just enough for a human to tell values apart: the last four
 * digits of cards, phones and SSNs, the country code and last four of an IBAN, the first letter
 * and the domain of an e-mail, the first part of an IP address. Secrets keep nothing, except the
 * first four characters of long keys (their public prefix, e.g. "sk-p", "ghp_") and the armour
 * line of a private key; the mask never reveals a secret's length.
 */
export function maskValue(type: PiiType, value: string): string {
  switch (type) {
    case "EMAIL": {
      const at = value.lastIndexOf("@");
      return `${value.charAt(0)}***${value.slice(at)}`;
    }
    case "CREDIT_CARD":
    case "US_SSN":
    case "PHONE":
      return keepLast(value, 4, isDigit);
    case "IBAN":
      return value.slice(0, 2) + keepLast(value.slice(2), 4, isAsciiAlnum);
    case "IP_ADDRESS":
      return value.includes(".") && !value.includes(":")
        ? `${value.split(".")[0] ?? ""}.*.*.*`
        : `${value.split(":")[0] ?? ""}:****`;
    case "SECRET":
      return maskSecret(value);
  }
}

/** Replaces every character passing `test` with "*", except the last `keep` of them. */
function keepLast(value: string, keep: number, test: (c: number) => boolean): string {
  let remaining = keep;
  const out: string[] = [];
  for (let i = value.length - 1; i >= 0; i--) {
    const ch = value.charAt(i);
    if (!test(value.charCodeAt(i))) out.push(ch);
    else if (remaining > 0) {
      out.push(ch);
      remaining--;
    } else out.push("*");
  }
  return out.reverse().join("");
}

function maskSecret(value: string): string {
  if (value.startsWith("-----BEGIN")) {
    const headerEnd = value.indexOf("-----", 10);
    return headerEnd === -1 ? STARS : `${value.slice(0, headerEnd + 5)} ${STARS}`;
  }
  return value.length >= 20 ? value.slice(0, 4) + STARS : STARS;
}
