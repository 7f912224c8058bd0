import { describe, expect, it } from "vitest";
import { randomish, token } from "../fake-secrets.js";
import { findPii } from "../index.js";
import { base62, crc32, githubChecksumValid } from "./github-checksum.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const withChecksum = (payload: string) => payload + base62(crc32(payload), 6);

describe("GitHub token checksum", () => {
  it("computes CRC-32 and base 62 as zlib and GitHub do", () => {
    expect(crc32("123456789")).toBe(0xcbf43926); // the standard check value
    expect(crc32("")).toBe(0);
    expect(base62(61, 2)).toBe("0z");
    expect(base62(62, 6)).toBe("000010");
  });

  it("verifies the last six characters against the rest", () => {
    const body = withChecksum(randomish(30, 41));
    expect(githubChecksumValid(body)).toBe(true);
    expect(githubChecksumValid(`${body.slice(0, -1)}${body.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(githubChecksumValid("abc")).toBe(false);
  });

  it("reports a classic token whose checksum verifies even when its body looks made up", () => {
    const ghp = token("gh", "p_", withChecksum("0".repeat(30)));
    expect(secrets(`GITHUB_PAT ${ghp} # ci`)).toEqual([ghp]);
  });

  it("still ignores a made-up body whose checksum fails", () => {
    const fake = token("gh", "p_", "0".repeat(30), "ABCDEF");
    expect(secrets(`GITHUB_PAT ${fake} # ci`)).toEqual([]);
  });
});
