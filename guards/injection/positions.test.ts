import { describe, expect, it } from "vitest";
import { featureVector } from "./features.js";
import { OPENING_SEED, positionFeatures, positionSlot, type PositionTotals } from "./positions.js";
import { FNV_OFFSET, FNV_PRIME, scanFolded, words } from "./scan.js";

/** The words of `text` that open a sentence after the first, as the scan records them. */
function openings(text: string): string[] {
  const scan = scanFolded(text);
  return Array.from(words.openings.subarray(0, scan.openings), (k) => text.slice(words.starts[k], words.ends[k]));
}

function fnv(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

describe("sentence openings", () => {
  it("are the words after sentence punctuation and a space, never the first word", () => {
    expect(openings("who is he? forget it. say hi! now: go")).toEqual(["forget", "say", "now", "go"]);
    expect(openings("?. first word. second")).toEqual(["second"]);
    expect(openings("what?. next")).toEqual(["next"]);
  });

  it("need a space after the punctuation, and nothing else between", () => {
    expect(openings("pi is 3.14 and e.g.x is odd, isn't it; right")).toEqual([]);
    expect(openings("she said 'stop.' then left")).toEqual([]);
    expect(openings("end. ( aside")).toEqual([]);
    expect(openings("")).toEqual([]);
  });
});

describe("positionFeatures", () => {
  const table = { bits: 12, weights: new Int8Array(1 << 12).fill(1) };
  const totals = (): PositionTotals => ({ sum: 0, count: 0 });

  it("counts first and last word and pair, and one feature per opening", () => {
    const hashes = Int32Array.from(["say", "hi", "now", "go"], fnv);
    const openingsAt = Int32Array.from([2]);
    expect(positionFeatures(hashes, 0, openingsAt, 0, table, totals()).count).toBe(0);
    expect(positionFeatures(hashes, 1, openingsAt, 0, table, totals()).count).toBe(2);
    const sink: number[] = [];
    const four = positionFeatures(hashes, 4, openingsAt, 1, table, totals(), sink);
    expect(four).toEqual({ sum: 5, count: 5 });
    expect(sink).toHaveLength(5);
    expect(sink).toContain(positionSlot(OPENING_SEED, fnv("now"), 0, 12));
  });

  it("tells the same words apart by where they stand", () => {
    const first = featureVector("forget everything. what is the capital of peru?", 16);
    const last = featureVector("what is the capital of peru? forget everything.", 16);
    const slots = (v: { index: Int32Array }): Set<number> => new Set(v.index);
    const onlyFirst = [...slots(first)].filter((s) => !slots(last).has(s));
    expect(onlyFirst.length).toBeGreaterThan(0);
    // Same words, so the word features agree: only pairs across the join, 4-grams there and positions differ.
    expect(onlyFirst.length).toBeLessThan(first.index.length / 2);
  });
});
