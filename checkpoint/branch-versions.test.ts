import { describe, expect, it } from "vitest";
import { nextBranchVersion } from "./branch-versions.js";

describe("nextBranchVersion", () => {
  it("counts up past the current version, from numbers, numeric strings and nothing", () => {
    for (const current of [undefined, 0, 1, 7.5, 41.999, "3", "12.25"]) {
      const next = nextBranchVersion(current);
      const whole = current === undefined ? 0 : Math.floor(Number(current));
      expect(next).toBeGreaterThan(whole + 1);
      expect(next).toBeLessThan(whole + 2);
      expect(next).toBeGreaterThan(Number(current ?? 0));
    }
  });

  it("differs between two branches forked from the same version", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => nextBranchVersion(4)));
    expect(seen.size).toBe(1000);
    // Stored as text in checkpoint_blobs and read back from JSON: both spell it the same way.
    for (const v of seen) expect(String(JSON.parse(JSON.stringify(v)))).toBe(v.toString());
  });
});
