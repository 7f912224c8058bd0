import type pg from "pg";
import { z } from "zod";
import { KeelError } from "./errors.js";

/**
 * Per-user limits on model use, kept in PostgreSQL so every thread of a user and every process or
 * replica sharing the database enforce the same numbers. `check()` runs before a model call and
 * `record()` after it, with what the call actually used.
 */
export const UserLimitsOptionsSchema = z.object({
  /** Token bucket size, refilled continuously over a minute. 0 = unlimited. */
  tokensPerMinute: z.number().int().min(0).default(0),
  /** Spend cap per user per UTC day, in USD. 0 = unlimited. */
  usdPerDay: z.number().min(0).default(0),
});
export type UserLimitsOptions = z.infer<typeof UserLimitsOptionsSchema>;
export type UserLimitsOptionsInput = z.input<typeof UserLimitsOptionsSchema>;

export type UserLimitReason = "tokens_per_minute" | "usd_per_day";
export type UserLimitRefusal = {
  ok: false;
  reason: UserLimitReason;
  message: string;
  retryAfterMs: number;
  /** ISO 8601, UTC. */
  retryAt: string;
};
export type UserLimitCheck = { ok: true } | UserLimitRefusal;
export interface UserUsage {
  tokens: number;
  usd: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// One round trip reads both limits. The bucket's clock comes back as exact numeric milliseconds.
const CHECK_SQL = `
  SELECT b.tokens, (extract(epoch FROM b.updated_at) * 1000)::text AS updated_ms, s.usd::text AS usd
  FROM (SELECT 1) AS one
  LEFT JOIN keel_user_token_buckets b ON b.user_id = $1
  LEFT JOIN keel_user_daily_spend s ON s.user_id = $1 AND s.day = $2::date`;

/**
 * One statement, so it is atomic and needs no transaction: each upsert locks its row, and a
 * concurrent upsert of the same row waits, then applies its change on top of the committed one.
 * Every record takes the two rows in the same order, so concurrent records cannot deadlock.
 * The bucket refills by elapsed time (never backwards if clocks disagree), is capped at capacity,
 * then pays for the call and may go below zero. A part whose limit is off (or amount is 0) is skipped.
 * $1 user, $2 now (ms), $3 capacity, $4 tokens used, $5 UTC day, $6 USD spent.
 */
const RECORD_SQL = `
  WITH bucket AS (
    INSERT INTO keel_user_token_buckets AS b (user_id, tokens, updated_at)
    SELECT $1, $3::float8 - $4::float8, to_timestamp($2::numeric / 1000)
    WHERE $3::float8 > 0
    ON CONFLICT (user_id) DO UPDATE SET
      tokens = LEAST(
        $3::float8,
        b.tokens + GREATEST(0, ($2::numeric - extract(epoch FROM b.updated_at) * 1000)::float8) * $3::float8 / ${MINUTE_MS}
      ) - $4::float8,
      updated_at = GREATEST(b.updated_at, to_timestamp($2::numeric / 1000))
  ), spend AS (
    INSERT INTO keel_user_daily_spend AS s (user_id, day, usd)
    SELECT $1, $5::date, $6::numeric
    WHERE $6::numeric > 0
    ON CONFLICT (user_id, day) DO UPDATE SET usd = s.usd + EXCLUDED.usd
  )
  SELECT 1`;

const usdFormat = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});

export class UserLimits {
  readonly options: UserLimitsOptions;

  constructor(
    private readonly pool: pg.Pool,
    options: UserLimitsOptionsInput = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = UserLimitsOptionsSchema.parse(options);
  }

  /** Whether `userId` may start a model call now; when not, which limit, and when to try again. */
  async check(userId: string): Promise<UserLimitCheck> {
    requireUser(userId);
    const { tokensPerMinute: capacity, usdPerDay: cap } = this.options;
    if (capacity === 0 && cap === 0) return { ok: true };
    const now = this.now();
    const { rows } = await this.pool.query<{ tokens: number | null; updated_ms: string | null; usd: string | null }>(
      CHECK_SQL,
      [userId, utcDay(now)],
    );
    const row = rows[0];
    const refusals: UserLimitRefusal[] = [];

    if (capacity > 0 && row?.tokens != null && row.updated_ms != null) {
      const elapsed = Math.max(0, now - Number(row.updated_ms));
      const tokens = Math.min(capacity, row.tokens + (elapsed * capacity) / MINUTE_MS);
      if (tokens <= 0) {
        // The first whole millisecond at which the bucket is above zero again.
        const wait = Math.floor((-tokens * MINUTE_MS) / capacity) + 1;
        const retryAt = isoUtc(now + wait);
        refusals.push({
          ok: false,
          reason: "tokens_per_minute",
          message: `Token rate limit of ${capacity} tokens per minute reached for user ${userId}; try again after ${retryAt}`,
          retryAfterMs: wait,
          retryAt,
        });
      }
    }

    if (cap > 0 && row?.usd != null && Number(row.usd) >= cap) {
      const midnight = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
      const retryAt = isoUtc(midnight);
      refusals.push({
        ok: false,
        reason: "usd_per_day",
        message: `Daily spending limit of ${usdFormat.format(cap)} reached for user ${userId}; try again after ${retryAt}`,
        retryAfterMs: midnight - now,
        retryAt,
      });
    }

    // Both must clear before a call may start, so report the one that lasts longer.
    const refusal = refusals.sort((a, b) => b.retryAfterMs - a.retryAfterMs)[0];
    return refusal ?? { ok: true };
  }

  /** Charges `userId` for a finished model call. Atomic: concurrent records from anywhere all add up. */
  async record(userId: string, usage: UserUsage): Promise<void> {
    requireUser(userId);
    for (const name of ["tokens", "usd"] as const) {
      const value = usage[name];
      if (!Number.isFinite(value) || value < 0)
        throw new KeelError("input_invalid", `Usage ${name} must be a finite number ≥ 0, got ${String(value)}`);
    }
    const capacity = this.options.tokensPerMinute;
    const tokens = capacity > 0 ? usage.tokens : 0;
    if (tokens === 0 && usage.usd === 0) return;
    const now = this.now();
    // Spend is recorded even with no cap set, so a cap turned on later already counts today's calls.
    // USD goes in as text: numeric keeps every digit the price calculation produced.
    await this.pool.query(RECORD_SQL, [userId, now, capacity, tokens, utcDay(now), String(usage.usd)]);
  }
}

function requireUser(userId: string): void {
  if (userId === "") throw new KeelError("input_invalid", "User limits need a non-empty user id");
}

/** YYYY-MM-DD of the UTC day containing `ms`, independent of the session's time zone. */
function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO 8601 in UTC, without a `.000` when the instant is a whole second. */
function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
