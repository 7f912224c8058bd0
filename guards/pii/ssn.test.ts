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

  it("reads unformatted or half-formatted numbers only after an SSN keyword", () => {
    expect(ssns("order 078051121 shipped; ZIP 07805-1121")).toEqual([]);
    expect(ssns("SSN: 078051121")).toEqual(["078051121"]);
    expect(ssns("social security number 078-051121")).toEqual(["078-051121"]);
  });
});
