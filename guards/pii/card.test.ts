import { describe, expect, it } from "vitest";
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
