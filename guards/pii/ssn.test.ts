import { describe, expect, it } from "vitest";
import { findPii } from "./index.js";

const ssns = (text: string) => findPii(text, { types: ["US_SSN"] }).map((s) => text.slice(s.start, s.end));

describe("US_SSN", () => {
  it("finds AAA-GG-SSSS with one consistent separator", () => {
    expect(ssns("078-05-1123, 078 05 1123 and 078.05.1123")).toEqual(["078-05-1123", "078 05 1123", "078.05.1123"]);
  });

  it.each([
    ["area 000", "000-12-3456"],
    ["area 666", "666-12-3456"],
    ["area 9xx", "912-34-5678"],
    ["group 00", "078-00-1123"],
    ["serial 0000", "078-05-0000"],
    ["mixed separators", "693-09.4444"],
    ["part of a longer number", "1-078-05-1123 and 078-05-1123-4"],
    ["a street number", "Suite 680 36 4022 Oakridge Lane"],
  ])("rejects %s", (_name, text) => {
    expect(ssns(text)).toEqual([]);
  });

  it("reads unformatted numbers only after an SSN keyword", () => {
    expect(ssns("order 078051121 shipped")).toEqual([]);
    expect(ssns("SSN: 078051121")).toEqual(["078051121"]);
  });

  it("finds half-formatted 3-6 and 5-4 numbers on their own", () => {
    expect(ssns("on file: 078-051121 and 07805-1121.")).toEqual(["078-051121", "07805-1121"]);
    expect(ssns("social security number 078-051121")).toEqual(["078-051121"]);
  });

  it.each([
    ["a ZIP+4 after a state code", "Newark, NJ 07102-1121"],
    ["a ZIP+4 after a state name", "Austin, Texas 78701-1121"],
    ["a ZIP+4 after a postal word", "ZIP 07805-1121"],
    ["half-formatted area 9xx", "912-345678 and 91234-5678"],
    ["half-formatted group 00", "078-001121 and 07800-1121"],
    ["half-formatted serial 0000", "078-050000 and 07805-0000"],
    ["other digit groupings", "0780-51121, 07-8051121, 078-05112"],
    ["a longer dashed number", "12-078-051121 and 07805-1121-7"],
  ])("rejects %s", (_name, text) => {
    expect(ssns(text)).toEqual([]);
  });

  it("keeps a ZIP+4-shaped number when an SSN keyword vouches for it", () => {
    expect(ssns("SSN (zip-style typo) 07805-1121")).toEqual(["07805-1121"]);
  });
});
