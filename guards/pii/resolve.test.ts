import { describe, expect, it } from "vitest";
import { PII_TYPES, type PiiSpan } from "../types.js";
import { prng } from "../injection/train.js";
import type { Candidate } from "./candidate.js";
import { resolve } from "./resolve.js";

/** The rule in one global pass: by priority, then length, then position; no shared character. */
function reference(text: string, candidates: Candidate[]): PiiSpan[] {
  const blocked = new Uint8Array(text.length);
  for (const b of candidates.filter((c) => c.blocker)) blocked.fill(1, b.start, b.end);
  const live = candidates.filter(
    (c) =>
      !c.blocker &&
      c.end > c.start &&
      !((c.type === "PHONE" || c.type === "US_SSN") && blocked.subarray(c.start, c.end).some((x) => x === 1)),
  );
  live.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const claimed = new Uint8Array(text.length);
  const kept: PiiSpan[] = [];
  for (const c of live) {
    if (claimed.subarray(c.start, c.end).some((x) => x === 1)) continue;
    claimed.fill(1, c.start, c.end);
    kept.push({ start: c.start, end: c.end, type: c.type });
  }
  return kept.sort((a, b) => a.start - b.start);
}

describe("resolve", () => {
  it("keeps the candidate of highest priority, then the longer, in an overlap", () => {
    const text = "x".repeat(40);
    const spans = resolve(text, [
      { start: 0, end: 10, type: "PHONE", priority: 10 },
      { start: 5, end: 12, type: "SECRET", priority: 80 },
      { start: 20, end: 30, type: "EMAIL", priority: 70 },
      { start: 22, end: 35, type: "IP_ADDRESS", priority: 70 },
      { start: 36, end: 38, type: "US_SSN", priority: 20 },
    ]);
    expect(spans).toEqual([
      { start: 5, end: 12, type: "SECRET" },
      { start: 22, end: 35, type: "IP_ADDRESS" },
      { start: 36, end: 38, type: "US_SSN" },
    ]);
  });

  it("gives the same spans as one global pass, on random overlapping candidates", () => {
    const random = prng(5);
    for (let round = 0; round < 300; round++) {
      const text = "y".repeat(200);
      const candidates: Candidate[] = Array.from({ length: 1 + Math.floor(random() * 30) }, () => {
        const start = Math.floor(random() * 190);
        return {
          start,
          end: start + Math.floor(random() * 12),
          type: PII_TYPES[Math.floor(random() * PII_TYPES.length)]!,
          priority: [10, 20, 70, 80, 90][Math.floor(random() * 5)]!,
          ...(random() < 0.1 ? { blocker: true } : {}),
        };
      });
      expect(resolve(text, candidates)).toEqual(reference(text, candidates));
    }
  });
});
