/**
 * A token bucket: `capacity` calls at once, refilled at `refillPerSecond`. Pure apart from the
 * clock, which is passed in, so the limits are unit-tested without waiting.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    if (capacity < 1 || refillPerSecond <= 0)
      throw new RangeError("A token bucket needs capacity ≥ 1 and a positive refill rate");
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token, or says how long until one is available. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.refillPerSecond) * 1000) };
  }

  /** Gives a token back (a call that was admitted but then not run). */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerSecond);
    this.updatedAt = now;
  }
}
