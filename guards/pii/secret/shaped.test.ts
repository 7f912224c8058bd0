import { describe, expect, it } from "vitest";
import { randomish } from "../fake-secrets.js";
import { findPii } from "../index.js";

const secrets = (text: string) => findPii(text, { types: ["SECRET"] }).map((s) => text.slice(s.start, s.end));
const HEX = "0123456789abcdef";
const hex = (n: number, seed: number) => randomish(n, seed, HEX);
/** An Atlassian Data Center token: base64 of "<12-digit id>:<20 random bytes>". */
const atlassian = (id: string, seed: number) =>
  Buffer.concat([Buffer.from(`${id}:`), Buffer.from(randomish(20, seed), "latin1")]).toString("base64");

describe("SECRET: formats recognised by their shape", () => {
  it("finds a Mailgun key", () => {
    const key = [hex(32, 51), hex(8, 52), hex(8, 53)].join("-");
    expect(secrets(`MG ${key} sent`)).toEqual([key]);
  });

  it("finds Mailgun keys after hyphenated words and one after another", () => {
    const a = [hex(32, 68), hex(8, 69), hex(8, 70)].join("-");
    const b = [hex(32, 71), hex(8, 72), hex(8, 73)].join("-");
    expect(secrets(`re-run with ${a},${b} x-y`)).toEqual([a, b]);
  });

  it("ignores Mailgun look-alikes: UUIDs, other group sizes, upper case", () => {
    const uuid = [hex(8, 54), hex(4, 55), hex(4, 56), hex(4, 57), hex(12, 58)].join("-");
    const short = [hex(32, 59), hex(8, 60), hex(4, 61)].join("-");
    const upper = [hex(32, 62), hex(8, 63), hex(8, 64)].join("-").toUpperCase();
    expect(secrets(`${uuid} ${short} ${upper}`)).toEqual([]);
  });

  it("finds an Atlassian Data Center token alone and as a URL path segment", () => {
    const pat = atlassian("926607655526", 65);
    expect(pat).toHaveLength(44);
    expect(secrets(`Authorization: ${pat}`)).toContain(pat);
    expect(secrets(`GET https://jira.example.com/rest/token/${pat}/info`)).toEqual([pat]);
  });

  it("ignores base64 that does not encode a 12-digit id and a colon", () => {
    const shortId = atlassian("0001", 66) + "AAAAAAAA";
    const noColon = Buffer.from(`926607655526-${randomish(20, 67)}`).toString("base64");
    expect(secrets(`x ${shortId.slice(0, 44)} y ${noColon.slice(0, 44)} z`)).toEqual([]);
  });
});
