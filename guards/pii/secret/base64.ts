// Base64 decoding for detectors that judge a run by what it encodes (key material, encoded text,
// encoded key files). Standard and URL-safe alphabets both decode; padding ends the data.

/** Six-bit value of each base64 or base64url character, -1 for any other code unit. */
export const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64_VALUE["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charCodeAt(i)] = i;
}
B64_VALUE[45] = 62; // "-"
B64_VALUE[95] = 63; // "_"

/** Six-bit value of the character at `i` of `text`, or -1. */
export const sextet = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? (B64_VALUE[c] ?? -1) : -1;
};

/**
 * Bytes encoded by text[start, end), as a string of code units 0–255, at most `maxBytes` of them.
 * Stops at the first character outside the alphabets (padding included).
 */
export function decodeBase64(text: string, start: number, end: number, maxBytes: number): string {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end && bytes.length < maxBytes; i++) {
    const v = sextet(text, i);
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 0xff);
    }
  }
  let out = "";
  for (let k = 0; k < bytes.length; k += CHUNK) out += String.fromCharCode(...bytes.slice(k, k + CHUNK));
  return out;
}

/** Bytes per `fromCharCode` call: far below the engine's limit on arguments. */
const CHUNK = 4096;
