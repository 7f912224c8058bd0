// GitHub's token formats (ghp_, gho_, ghu_, ghs_, ghr_) end in a checksum: the CRC-32 of the rest
// of the body, written as 6 base-62 digits. A body that verifies was issued by GitHub (or built to
// look issued), however unrandom it looks, so it is reported even when it would fail the
// illustrative-value checks.

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_DIGITS = 6;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of an ASCII string. */
export function crc32(s: string): number {
  let crc = -1;
  for (let i = 0; i < s.length; i++) crc = (CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** `n` in base 62, left-padded with zeros to `width` digits. */
export function base62(n: number, width: number): string {
  let out = "";
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = BASE62.charAt(v % 62) + out;
  return out.padStart(width, "0");
}

/** Whether the last six characters of a GitHub token body are the checksum of the rest. */
export function githubChecksumValid(body: string): boolean {
  if (body.length <= CHECKSUM_DIGITS) return false;
  const payload = body.slice(0, -CHECKSUM_DIGITS);
  return base62(crc32(payload), CHECKSUM_DIGITS) === body.slice(-CHECKSUM_DIGITS);
}
