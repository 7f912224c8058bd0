import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Database } from "../checkpoint/database.js";
import { openTestDatabase } from "../test/db.js";
import { runTsChild } from "../test/process.js";
import { isKeelError } from "./errors.js";
import {
  UserLimits,
  UserLimitsOptionsSchema,
  type UserLimitCheck,
  type UserLimitsOptionsInput,
} from "./user-limits.js";

// A fixed clock: limits are tested without waiting, and never straddle a real midnight.
const T0 = Date.parse("2026-11-21T10:00:00Z");
const MIDNIGHT = "2026-11-22T00:00:00Z";

/** Unique per test, so test files (and reruns on a kept database) never share a user. */
const newUser = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

describe("UserLimits", () => {
  let db: Database;
  const clock = { t: T0 };
  const limitsFor = (options: UserLimitsOptionsInput, pool = db.pool) => new UserLimits(pool, options, () => clock.t);

  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db.close();
  });

  const bucketRow = async (user: string) =>
    (
      await db.pool.query<{ tokens: number; updated_at: Date }>(
        "SELECT tokens, updated_at FROM keel_user_token_buckets WHERE user_id = $1",
        [user],
      )
    ).rows[0];
  const spendRows = async (user: string) =>
    (
      await db.pool.query<{ day: string; usd: string }>(
        "SELECT day::text AS day, usd::text AS usd FROM keel_user_daily_spend WHERE user_id = $1 ORDER BY day",
        [user],
      )
    ).rows;

  it("has unlimited defaults and refuses nonsensical options", () => {
    expect(UserLimitsOptionsSchema.parse({})).toEqual({ tokensPerMinute: 0, usdPerDay: 0 });
    expect(() => UserLimitsOptionsSchema.parse({ tokensPerMinute: -1 })).toThrow();
    expect(() => UserLimitsOptionsSchema.parse({ tokensPerMinute: 1.5 })).toThrow();
    expect(() => UserLimitsOptionsSchema.parse({ usdPerDay: -0.01 })).toThrow();
  });

  it("empties the token bucket, then refills it continuously up to capacity", async () => {
    clock.t = T0;
    const user = newUser("bucket");
    const limits = limitsFor({ tokensPerMinute: 600 }); // 10 tokens per second
    expect(await limits.check(user)).toEqual({ ok: true });
    await limits.record(user, { tokens: 400, usd: 0 });
    expect(await limits.check(user)).toEqual({ ok: true });
    await limits.record(user, { tokens: 200, usd: 0 });
    // Exactly empty is not enough: the bucket must be above zero.
    expect(await limits.check(user)).toMatchObject({ ok: false, reason: "tokens_per_minute", retryAfterMs: 1 });

    clock.t = T0 + 1;
    expect(await limits.check(user)).toEqual({ ok: true });
    clock.t = T0 + 30_000;
    await limits.record(user, { tokens: 300, usd: 0 }); // refilled to 300, spent 300
    expect(await limits.check(user)).toMatchObject({ ok: false, reason: "tokens_per_minute" });

    // An idle hour refills to capacity, not beyond: one full minute's worth empties it again.
    clock.t = T0 + 3_630_000;
    await limits.record(user, { tokens: 600, usd: 0 });
    expect(await limits.check(user)).toMatchObject({ ok: false, reason: "tokens_per_minute", retryAfterMs: 1 });
  });

  it("lets one large call take the bucket below zero; the next waits until it is above zero again", async () => {
    clock.t = T0;
    const user = newUser("negative");
    const limits = limitsFor({ tokensPerMinute: 600 });
    await limits.record(user, { tokens: 1_500, usd: 0 }); // 600 - 1500 = -900 → 90 s to get back to 0
    const refused = await limits.check(user);
    expect(refused).toEqual({
      ok: false,
      reason: "tokens_per_minute",
      message: `Token rate limit of 600 tokens per minute reached for user ${user}; try again after 2026-11-21T10:01:30.001Z`,
      retryAfterMs: 90_001,
      retryAt: "2026-11-21T10:01:30.001Z",
    });
    expect((await bucketRow(user))?.tokens).toBe(-900);

    clock.t = T0 + 60_000;
    expect(await limits.check(user)).toMatchObject({ ok: false, retryAfterMs: 30_001 });
    clock.t = T0 + 90_000;
    expect(await limits.check(user)).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.t = T0 + 90_001;
    expect(await limits.check(user)).toEqual({ ok: true });
  });

  it("refuses once today's spend reaches the cap, until the next UTC midnight", async () => {
    clock.t = T0;
    const user = newUser("alice");
    const limits = limitsFor({ usdPerDay: 1 });
    await limits.record(user, { tokens: 10, usd: 0.6 });
    expect(await limits.check(user)).toEqual({ ok: true });
    await limits.record(user, { tokens: 10, usd: 0.4 });
    expect(await limits.check(user)).toEqual({
      ok: false,
      reason: "usd_per_day",
      message: `Daily spending limit of $1.00 reached for user ${user}; try again after ${MIDNIGHT}`,
      retryAfterMs: Date.parse(MIDNIGHT) - T0,
      retryAt: MIDNIGHT,
    });
    // numeric keeps the sum exact (0.6 + 0.4 in floating point is fine, but many small prices are not).
    expect(await spendRows(user)).toEqual([{ day: "2026-11-21", usd: "1.0" }]);

    clock.t = Date.parse(MIDNIGHT) - 1;
    expect(await limits.check(user)).toMatchObject({ ok: false, retryAfterMs: 1, retryAt: MIDNIGHT });
    clock.t = Date.parse(MIDNIGHT);
    expect(await limits.check(user)).toEqual({ ok: true });
    await limits.record(user, { tokens: 10, usd: 0.25 });
    expect(await spendRows(user)).toEqual([
      { day: "2026-11-21", usd: "1.0" },
      { day: "2026-11-22", usd: "0.25" },
    ]);
  });

  it("names the limit that lasts longer when both are reached", async () => {
    clock.t = T0;
    const user = newUser("both");
    const limits = limitsFor({ tokensPerMinute: 100, usdPerDay: 0.5 });
    await limits.record(user, { tokens: 150, usd: 0.5 });
    expect(await limits.check(user)).toMatchObject({ ok: false, reason: "usd_per_day", retryAt: MIDNIGHT });
    // Under the USD cap, only the bucket refuses.
    const tokensOnly = limitsFor({ tokensPerMinute: 100, usdPerDay: 5 });
    expect(await tokensOnly.check(user)).toMatchObject({ ok: false, reason: "tokens_per_minute" });
  });

  it("treats 0 as unlimited, and still keeps the day's spend", async () => {
    clock.t = T0;
    const user = newUser("unlimited");
    const limits = limitsFor({});
    await limits.record(user, { tokens: 10_000_000, usd: 1_000 });
    expect(await limits.check(user)).toEqual({ ok: true });
    expect(await bucketRow(user)).toBeUndefined();
    expect(await spendRows(user)).toEqual([{ day: "2026-11-21", usd: "1000" }]);
    // Tokens unlimited, spend capped: only the spend counts.
    const capped = limitsFor({ tokensPerMinute: 0, usdPerDay: 2_000 });
    await capped.record(user, { tokens: 10_000_000, usd: 0 });
    expect(await capped.check(user)).toEqual({ ok: true });
  });

  it("rejects invalid usage and an empty user id", async () => {
    const limits = limitsFor({ tokensPerMinute: 10, usdPerDay: 1 });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isKeelError(await failure(limits.record("u", { tokens: -1, usd: 0 })), "input_invalid")).toBe(true);
    expect(isKeelError(await failure(limits.record("u", { tokens: 0, usd: Number.NaN })), "input_invalid")).toBe(true);
    expect(isKeelError(await failure(limits.check("")), "input_invalid")).toBe(true);
  });

  it("a process whose clock lags neither refills the bucket nor moves its clock back", async () => {
    const user = newUser("skew");
    const ahead = new UserLimits(db.pool, { tokensPerMinute: 600 }, () => T0 + 60_000);
    const behind = new UserLimits(db.pool, { tokensPerMinute: 600 }, () => T0);
    await ahead.record(user, { tokens: 100, usd: 0 });
    await behind.record(user, { tokens: 100, usd: 0 });
    const row = await bucketRow(user);
    expect(row?.tokens).toBe(400);
    expect(row?.updated_at.getTime()).toBe(T0 + 60_000);
  });

  it("loses no update when many pools record for one user at once, and each sees the others", async () => {
    clock.t = T0;
    const user = newUser("concurrent");
    // Separate pools share nothing but the database, like separate processes.
    const pools = Array.from(
      { length: 6 },
      () => new pg.Pool({ connectionString: inject("databaseUrl"), max: 3, connectionTimeoutMillis: 10_000 }),
    );
    try {
      const all = pools.map((pool) => limitsFor({ tokensPerMinute: 100_000, usdPerDay: 1.8 }, pool));
      const perPool = 30;
      await Promise.all(
        all.flatMap((limits) => Array.from({ length: perPool }, () => limits.record(user, { tokens: 7, usd: 0.01 }))),
      );
      // 180 × $0.01 is exactly $1.80 (a float sum would not be), 180 × 7 tokens exactly 1260.
      expect(await spendRows(user)).toEqual([{ day: "2026-11-21", usd: "1.80" }]);
      expect((await bucketRow(user))?.tokens).toBe(100_000 - 1_260);
      const checks = await Promise.all(all.map((limits) => limits.check(user)));
      expect(checks.every((c) => !c.ok && c.reason === "usd_per_day")).toBe(true);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("two processes sharing one database reach the limit together; a third is refused", async () => {
    const user = newUser("shared");
    const url = inject("databaseUrl");
    const options = { tokensPerMinute: 2_000, usdPerDay: 1 };
    const child = (body: string) =>
      runTsChild(`
        import { connectPool } from "{{repo}}/checkpoint/connect.ts";
        import { UserLimits } from "{{repo}}/runtime/user-limits.ts";
        const pool = await connectPool(${JSON.stringify(url)}, { source: "test", hint: "" });
        const limits = new UserLimits(pool, ${JSON.stringify(options)}, () => ${T0});
        const user = ${JSON.stringify(user)};
        ${body}
        await pool.end();
      `);
    // Each spends half the day's cap and half the bucket: neither alone reaches a limit.
    const spendHalf = `
      const before = await limits.check(user);
      for (let i = 0; i < 10; i++) await limits.record(user, { tokens: 100, usd: 0.05 });
      console.log(JSON.stringify(before));
    `;
    const [a, b] = await Promise.all([child(spendHalf), child(spendHalf)]);
    for (const run of [a, b]) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ ok: true });
    }

    expect(await spendRows(user)).toEqual([{ day: "2026-11-21", usd: "1.00" }]);
    clock.t = T0;
    expect(await limitsFor(options).check(user)).toMatchObject({ ok: false, reason: "usd_per_day", retryAt: MIDNIGHT });
    expect(await limitsFor({ tokensPerMinute: 2_000 }).check(user)).toMatchObject({
      ok: false,
      reason: "tokens_per_minute",
    });

    const third = await child("console.log(JSON.stringify(await limits.check(user)));");
    expect(third.stderr).toBe("");
    expect(third.code).toBe(0);
    const verdict = JSON.parse(third.stdout) as UserLimitCheck;
    expect(verdict).toEqual({
      ok: false,
      reason: "usd_per_day",
      message: `Daily spending limit of $1.00 reached for user ${user}; try again after ${MIDNIGHT}`,
      retryAfterMs: Date.parse(MIDNIGHT) - T0,
      retryAt: MIDNIGHT,
    });
  });
});
