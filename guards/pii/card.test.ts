import { describe, expect, it } from "vitest";
import { issuerNetworks } from "./card.js";
import { luhnValid } from "./checksum.js";
import { findPii } from "./index.js";

const cards = (text: string) => findPii(text, { types: ["CREDIT_CARD"] }).map((s) => text.slice(s.start, s.end));

describe("Luhn", () => {
  it("accepts valid and rejects altered numbers", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("")).toBe(false);
  });
});

describe("CREDIT_CARD", () => {
  it("finds solid, spaced and hyphenated layouts of the major networks", () => {
    const text =
      "Visa 4012888888881881, 4012-8888-8888-1881 and 4012 8888 8888 1881; MC 5555555555554444; " +
      "Amex 3782 822463 10005; Diners 30569309025904; JCB 3528000700000000; Discover 6011000400000000.";
    expect(cards(text)).toEqual([
      "4012888888881881",
      "4012-8888-8888-1881",
      "4012 8888 8888 1881",
      "5555555555554444",
      "3782 822463 10005",
      "30569309025904",
      "3528000700000000",
      "6011000400000000",
    ]);
  });

  it("reports only Luhn-valid numbers", () => {
    expect(cards("my card number is 4012-8888-8888-1882")).toEqual([]);
    expect(cards("36168002586008")).toEqual([]);
  });

  it("needs a known issuer prefix with its length", () => {
    // Luhn-valid but no network starts with 9, and Amex numbers have 15 digits, not 16.
    expect(cards("9111111111111111 and 3400000000000009")).toEqual([]);
  });

  it("is not confused by a year after the number or digits glued to it", () => {
    expect(cards("4111 1111 1111 1111 2029")).toEqual(["4111 1111 1111 1111"]);
    expect(cards("ID4111111111111111 and 4111111111111111abc and 4111111111111111.5")).toEqual([]);
  });
});

/** A Luhn-valid number of `length` digits starting with `prefix` (filler digits from a fixed seed). */
function luhnNumber(prefix: string, length: number, seed = 7): string {
  let body = prefix;
  let x = seed;
  while (body.length < length - 1) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    body += String((x >>> 16) % 10);
  }
  for (let d = 0; d <= 9; d++) if (luhnValid(body + String(d))) return body + String(d);
  throw new Error("unreachable");
}

describe("CREDIT_CARD: issuer ranges and lengths per network", () => {
  const valid: Array<[string, string, number[]]> = [
    ["Visa", "4", [13, 16, 19]],
    ["Mastercard", "51", [16]],
    ["Mastercard", "55", [16]],
    ["Mastercard", "2221", [16]],
    ["Mastercard", "2720", [16]],
    ["American Express", "34", [15]],
    ["American Express", "37", [15]],
    ["Diners Club", "300", [14, 16, 19]],
    ["Diners Club", "305", [14]],
    ["Diners Club", "36", [14]],
    ["Diners Club", "38", [16]],
    ["Discover", "6011", [16, 19]],
    ["Discover", "644", [16]],
    ["Discover", "649", [17]],
    ["Discover", "65", [16, 19]],
    ["JCB", "3528", [16, 19]],
    ["JCB", "3589", [16, 17, 18]],
    ["JCB", "2131", [15]],
    ["JCB", "1800", [15]],
    ["Maestro", "5018", [12, 13, 16, 19]],
    ["Maestro", "5020", [12]],
    ["Maestro", "5612", [12, 15, 19]],
    ["Maestro", "6304", [12, 13]],
    ["Maestro", "6759", [12, 16, 19]],
    ["Maestro", "6390", [12]],
    ["UnionPay", "62", [16, 17, 18, 19]],
    ["Mir", "2200", [16]],
  ];
  for (const [network, prefix, lengths] of valid) {
    for (const length of lengths) {
      const n = luhnNumber(prefix, length, length * 31 + prefix.length);
      it(`finds a ${length}-digit ${network} number (${prefix}…)`, () => {
        expect(issuerNetworks(n)).toContain(network);
        expect(cards(`paid with ${n} today`)).toEqual([n]);
      });
    }
  }

  it("finds 12-digit Maestro numbers solid and in groups of four", () => {
    const n = luhnNumber("6759", 12, 5);
    const grouped = `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`;
    expect(cards(`card ${n} and ${grouped}`)).toEqual([n, grouped]);
  });

  it.each([
    ["Visa of 14 digits", luhnNumber("4", 14)],
    ["Visa of 17 digits", luhnNumber("4", 17)],
    ["Mastercard of 15 digits", luhnNumber("51", 15)],
    ["Mastercard of 19 digits", luhnNumber("2221", 19)],
    ["Amex of 16 digits", luhnNumber("34", 16)],
    ["JCB outside 3528–3589", luhnNumber("3527", 16)],
    ["a 12-digit number outside Maestro ranges", luhnNumber("4", 12)],
    ["a 12-digit Visa-like number", luhnNumber("51", 12)],
    ["a prefix no network uses", luhnNumber("9", 16)],
    ["an order number starting with 7", luhnNumber("7", 16)],
  ])("rejects a Luhn-valid %s", (_name, n) => {
    expect(cards(`order ${n}`)).toEqual([]);
  });

  it("rejects numbers failing Luhn, even with a valid prefix and length", () => {
    for (const [prefix, length] of [
      ["6759", 12],
      ["3530", 16],
      ["5018", 19],
    ] as const) {
      const n = luhnNumber(prefix, length);
      const bad = n.slice(0, -1) + String((Number(n.slice(-1)) + 1) % 10);
      expect(cards(`card ${bad}`)).toEqual([]);
    }
  });

  it("does not read an international phone number as a card", () => {
    const n = luhnNumber("6759", 12);
    expect(cards(`call +${n}`)).toEqual([]);
  });

  it("lets a 12-digit look-alike that fails Luhn stay a phone number", () => {
    expect(findPii("call 0044 2079 460958").map((s) => s.type)).toEqual(["PHONE"]);
  });
});
