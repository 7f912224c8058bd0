// Test fixtures: credential-shaped strings assembled at run time, so the repository never holds a
// literal that secret scanners (or people) would mistake for a leaked key.

const B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A deterministic pseudo-random string over `alphabet` (no sequential runs, not "example"). */
export function randomish(length: number, seed = 1, alphabet = B62): string {
  let x = seed * 7919 + 17;
  let out = "";
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet.charAt((x >>> 16) % alphabet.length);
  }
  return out;
}

/** Joins parts, so a prefix and its body never appear together in source. */
export const token = (...parts: string[]): string => parts.join("");
