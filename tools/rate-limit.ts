import { TokenBucket } from "../runtime/token-bucket.js";
import type { RateLimit, ToolPolicy } from "./types.js";

/** Buckets beyond this many are pruned (full ones first) so per-user keys can't grow without bound. */
const MAX_BUCKETS = 10_000;

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; scope: "tool" | "user" };

/** In-process token buckets per tool and per user per tool. */
export class ToolRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Both limits must admit the call; a token taken from one is returned if the other refuses. */
  admit(tool: string, userId: string, limits: ToolPolicy<unknown>["rateLimit"]): Admission {
    const at = this.now();
    const perTool = limits.perTool && this.bucket(`tool:${tool}`, limits.perTool, at);
    const perUser = limits.perUser && this.bucket(`user:${userId}:${tool}`, limits.perUser, at);
    const toolTurn = perTool?.take(at) ?? { ok: true as const };
    if (!toolTurn.ok) return { ok: false, retryAfterMs: toolTurn.retryAfterMs, scope: "tool" };
    const userTurn = perUser?.take(at) ?? { ok: true as const };
    if (!userTurn.ok) {
      perTool?.refund();
      return { ok: false, retryAfterMs: userTurn.retryAfterMs, scope: "user" };
    }
    return { ok: true };
  }

  private bucket(key: string, limit: RateLimit, at: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.capacity !== limit.capacity || bucket.refillPerSecond !== limit.refillPerSecond) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(at);
      bucket = new TokenBucket(limit.capacity, limit.refillPerSecond, at);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private prune(at: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(at)) this.buckets.delete(key);
    // Still full of busy buckets: drop the oldest insertions rather than grow.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS) break;
      this.buckets.delete(key);
    }
  }
}
