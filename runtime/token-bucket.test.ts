import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("admits a burst up to capacity, then says when the next token arrives", () => {
    const bucket = new TokenBucket(3, 2, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].every((r) => r.ok)).toBe(true);
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterMs: 500 });
  });

  it("refills over time, never above capacity", () => {
    const bucket = new TokenBucket(2, 1, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.take(400).ok).toBe(false);
    expect(bucket.take(1_000).ok).toBe(true);
    expect(bucket.isFull(60_000)).toBe(true);
    bucket.take(60_000);
    bucket.take(60_000);
    expect(bucket.take(60_000).ok).toBe(false);
  });

  it("a refund returns a token", () => {
    const bucket = new TokenBucket(1, 0.001, 0);
    bucket.take(0);
    bucket.refund();
    expect(bucket.take(0).ok).toBe(true);
  });

  it("refuses nonsensical settings", () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
  });
});
