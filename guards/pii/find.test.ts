import { describe, expect, it } from "vitest";
import { PII_TYPES, type PiiSpan } from "../types.js";
import { randomish } from "./fake-secrets.js";
import { findPii } from "./index.js";

const labelled = (text: string, spans: PiiSpan[]) => spans.map((s) => [s.type, text.slice(s.start, s.end)]);

function expectWellFormed(text: string, spans: PiiSpan[]): void {
  let last = 0;
  for (const s of spans) {
    expect(PII_TYPES).toContain(s.type);
    expect(s.start).toBeGreaterThanOrEqual(last); // sorted and non-overlapping
    expect(s.end).toBeGreaterThan(s.start);
    expect(s.end).toBeLessThanOrEqual(text.length);
    last = s.end;
  }
}

describe("findPii", () => {
  it("returns every type, sorted by position", () => {
    const text =
      "Jane (jane@corp.example, +44 20 7946 0958) paid with 4111 1111 1111 1111 from DE89 3704 0044 0532 0130 00; " +
      "SSN 078-05-1123, host 10.1.2.3, password=Zq8!kLm2pR";
    const spans = findPii(text);
    expectWellFormed(text, spans);
    expect(labelled(text, spans)).toEqual([
      ["EMAIL", "jane@corp.example"],
      ["PHONE", "+44 20 7946 0958"],
      ["CREDIT_CARD", "4111 1111 1111 1111"],
      ["IBAN", "DE89 3704 0044 0532 0130 00"],
      ["US_SSN", "078-05-1123"],
      ["IP_ADDRESS", "10.1.2.3"],
      ["SECRET", "Zq8!kLm2pR"],
    ]);
  });

  it("reports only the requested types", () => {
    const text = "mail a@b.example from 10.0.0.1";
    expect(labelled(text, findPii(text, { types: ["IP_ADDRESS"] }))).toEqual([["IP_ADDRESS", "10.0.0.1"]]);
    expect(findPii(text, { types: [] })).toEqual([]);
  });

  it("settles overlaps by priority: a URL password beats the e-mail-looking text around it", () => {
    const text = "smtps://me@example.com:Hq4Tx81bnW@smtp.example.com:465";
    expect(labelled(text, findPii(text))).toEqual([
      ["EMAIL", "me@example.com"],
      ["SECRET", "Hq4Tx81bnW"],
    ]);
  });

  it("settles overlaps by priority: a valid card inside a secret-named field is a card", () => {
    const text = "api_key=4111111111111111";
    expect(labelled(text, findPii(text))).toEqual([["CREDIT_CARD", "4111111111111111"]]);
  });

  it("gives well-formed spans on arbitrary text", () => {
    const alphabet = "0123456789 -.:@()+/=_aAxXkey\n";
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomish(20 + (seed % 300), seed, alphabet);
      expectWellFormed(text, findPii(text));
    }
  });

  it("finishes on inputs built to make naive patterns backtrack", () => {
    const n = 100_000;
    const inputs = [
      `${"a".repeat(n)}@`,
      "1-".repeat(n / 2),
      "1.".repeat(n / 2),
      `password${"=".repeat(n)}`,
      `password${":".repeat(n)}`,
      "password=".repeat(n / 9),
      `password: ${"a".repeat(n)}`,
      `api_key=${"ab-".repeat(n / 3)}`,
      `token: "${"x".repeat(n)}`,
      `-----END RSA PRIVATE KEY-----${"A".repeat(500)}\\n-----END RSA PRIVATE KEY-----`.repeat(n / 560),
      "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n".repeat(n / 40),
      `sk-${randomish(n, 3)}`,
      "eyJ.".repeat(n / 4),
      "+(((1".repeat(n / 5),
    ];
    for (const text of inputs) expectWellFormed(text, findPii(text));
  });
});
