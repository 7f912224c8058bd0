import { describe, expect, it } from "vitest";
import { ibanMod97Valid } from "./checksum.js";
import { findPii } from "./index.js";

const ibans = (text: string) => findPii(text, { types: ["IBAN"] }).map((s) => text.slice(s.start, s.end));

describe("mod-97", () => {
  it("accepts valid and rejects altered IBANs", () => {
    expect(ibanMod97Valid("DE89370400440532013000")).toBe(true);
    expect(ibanMod97Valid("DE89370400440532013001")).toBe(false);
    expect(ibanMod97Valid("GB82WEST12345698765432")).toBe(true);
  });
});

describe("IBAN", () => {
  it("finds solid, space- and hyphen-grouped IBANs, also in lower case", () => {
    const text =
      "Pay DE89370400440532013000 or GB82 WEST 1234 5698 7654 32, AL47-2121-1009-0000-0002-3569-8741, " +
      "gb82west12345698765432.";
    expect(ibans(text)).toEqual([
      "DE89370400440532013000",
      "GB82 WEST 1234 5698 7654 32",
      "AL47-2121-1009-0000-0002-3569-8741",
      "gb82west12345698765432",
    ]);
  });

  it("stops at the country's length even when more text follows", () => {
    expect(ibans("this is an iban VG96 VPVG 0000 0123 4567 8901 X in a sentence")).toEqual([
      "VG96 VPVG 0000 0123 4567 8901",
    ]);
  });

  it.each([
    ["bad check digits", "DE89 3704 0044 0532 0130 01"],
    ["a digit turned into a letter", "AT61 1904 A002 3457 3201"],
    ["too short for the country", "BE6853900754703"],
    ["too long for the country", "IL15 0120 6900 0000 3111 0120 6900 0000 3111 141"],
    ["unknown country", "AB150120690000003111141"],
    ["mixed case", "GI75 aWBK 0000 0000 7099 453"],
    ["slash separators", "AL47/2121/1009/0000/0002/3569/8741"],
  ])("rejects %s", (_name, text) => {
    expect(ibans(text)).toEqual([]);
  });

  it("does not let the digit groups of a failed IBAN pass as a phone number", () => {
    expect(findPii("NO93 8601 1117 948")).toEqual([]);
    expect(findPii("EE38 2200 2210  014 5686")).toEqual([]);
  });

  it("does not let an IBAN-like word swallow a phone number after it", () => {
    const text = "Ref GB12 call me at 555 123 4567";
    expect(findPii(text).map((s) => text.slice(s.start, s.end))).toEqual(["555 123 4567"]);
  });
});
