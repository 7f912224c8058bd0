import { OpenAIClient as OpenAI, wrapOpenAIClientError } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { ModelDeadlineError } from "./deadline-fetch.js";
import {
  backoffDelay,
  classifyModelError,
  parseRetryAfter,
  retryPolicy,
  retryWithPolicy,
  RetryGaveUpError,
  type RetryInfo,
} from "./retry.js";

/** An HTTP error exactly as ChatOpenAI hands it to us: the SDK's class, then LangChain's wrapping. */
function httpError(
  status: number,
  headers: Record<string, string> = {},
  error: Record<string, unknown> = { message: "boom" },
): Error {
  return wrapOpenAIClientError(OpenAI.APIError.generate(status, { error }, undefined, new Headers(headers))) as Error;
}

/** A call that fails with `err` (test doubles for fn need no real async work). */
const failWith = (err: Error): Promise<never> => Promise.reject(err);

/** A socket reset as the SDK reports it: APIConnectionError → TypeError "fetch failed" → ECONNRESET. */
function resetError(): Error {
  const socket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  return new OpenAI.APIConnectionError({ cause: new TypeError("fetch failed", { cause: socket }) });
}

describe("retryPolicy and backoffDelay", () => {
  it("fills defaults: factor 2, equal jitter, 60 s retry-after bound", () => {
    expect(retryPolicy({ maxRetries: 3, baseMs: 100, maxMs: 1000 })).toEqual({
      maxRetries: 3,
      baseMs: 100,
      maxMs: 1000,
      factor: 2,
      jitter: "equal",
      maxRetryAfterMs: 60_000,
    });
    expect(() => retryPolicy({ maxRetries: -1, baseMs: 1, maxMs: 1 })).toThrow();
  });

  it("grows exponentially up to maxMs without jitter", () => {
    const policy = retryPolicy({ maxRetries: 9, baseMs: 100, maxMs: 1000, jitter: "none" });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("equal jitter keeps at least half of the backoff and at most all of it", () => {
    const policy = retryPolicy({ maxRetries: 9, baseMs: 100, maxMs: 1000 });
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(400);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });

  it("full jitter spreads from zero to the capped backoff, with another factor", () => {
    const policy = retryPolicy({ maxRetries: 9, baseMs: 10, maxMs: 500, factor: 3, jitter: "full" });
    expect(backoffDelay(1, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(45);
    expect(backoffDelay(8, policy, () => 1)).toBe(500);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");

  it("reads seconds, fractional seconds, HTTP dates and retry-after-ms", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": "0.25" }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "Tue, 01 Jan 2030 00:00:30 GMT" }), now)).toBe(30_000);
    expect(parseRetryAfter(new Headers({ "retry-after": "Mon, 31 Dec 2029 23:59:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "1500", "retry-after": "9" }), now)).toBe(1500);
    expect(parseRetryAfter({ "Retry-After": "3" }, now)).toBe(3000);
  });

  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ "retry-after": "-5" }), now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("classifyModelError", () => {
  it("retries 429 with and without retry-after", () => {
    expect(classifyModelError(httpError(429))).toEqual({ retryable: true, reason: "rate_limit", status: 429 });
    expect(classifyModelError(httpError(429, { "retry-after": "1" }))).toEqual({
      retryable: true,
      reason: "rate_limit",
      status: 429,
      retryAfterMs: 1000,
    });
  });

  it("does not retry a 429 for an exhausted quota", () => {
    expect(classifyModelError(httpError(429, {}, { message: "quota", code: "insufficient_quota" }))).toMatchObject({
      retryable: false,
      status: 429,
    });
  });

  it.each([408, 409, 500, 502, 503, 504])("retries %i", (status) => {
    expect(classifyModelError(httpError(status))).toMatchObject({ retryable: true, status });
  });

  it.each([400, 401, 403, 404, 422])("does not retry %i", (status) => {
    expect(classifyModelError(httpError(status))).toEqual({ retryable: false, reason: "client_error", status });
  });

  it("obeys an explicit x-should-retry from the server", () => {
    expect(classifyModelError(httpError(503, { "x-should-retry": "false" }))).toMatchObject({ retryable: false });
    expect(classifyModelError(httpError(400, { "x-should-retry": "true" }))).toMatchObject({ retryable: true });
  });

  it("retries connection resets and refusals found down the cause chain", () => {
    expect(classifyModelError(resetError())).toEqual({ retryable: true, reason: "connection" });
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(classifyModelError(new TypeError("fetch failed", { cause: refused }))).toEqual({
      retryable: true,
      reason: "connection",
    });
    expect(classifyModelError(new TypeError("terminated"))).toEqual({ retryable: true, reason: "connection" });
  });

  it("retries our stalls and deadlines, before headers (wrapped) and mid-body (bare)", () => {
    const stall = new ModelDeadlineError("stall", "headers", 100, "http://127.0.0.1:1/v1");
    expect(classifyModelError(new OpenAI.APIConnectionError({ cause: stall }))).toEqual({
      retryable: true,
      reason: "stall",
    });
    expect(classifyModelError(new ModelDeadlineError("deadline", "body", 100, "u"))).toEqual({
      retryable: true,
      reason: "timeout",
    });
  });

  it("retries the SDK's own timeout as LangChain renames it", () => {
    expect(classifyModelError(wrapOpenAIClientError(new OpenAI.APIConnectionTimeoutError()))).toEqual({
      retryable: true,
      reason: "timeout",
    });
  });

  it("does not retry a caller's abort in any of its shapes", () => {
    expect(classifyModelError(wrapOpenAIClientError(new OpenAI.APIUserAbortError()))).toEqual({
      retryable: false,
      reason: "aborted",
    });
    expect(classifyModelError(new Error("AbortError"))).toEqual({ retryable: false, reason: "aborted" });
    expect(classifyModelError(new DOMException("aborted", "AbortError"))).toEqual({
      retryable: false,
      reason: "aborted",
    });
  });

  it("does not retry what it does not recognise", () => {
    expect(classifyModelError(new TypeError("x is not a function"))).toEqual({ retryable: false, reason: "unknown" });
    expect(classifyModelError("a string")).toEqual({ retryable: false, reason: "unknown" });
  });
});

describe("retryWithPolicy", () => {
  const policy = retryPolicy({ maxRetries: 3, baseMs: 10, maxMs: 1000, jitter: "none" });

  /** Records requested sleeps instead of waiting. */
  function fakeSleep() {
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    return { waits, sleep };
  }

  it("retries transient failures with growing delays, then returns the result", async () => {
    const { waits, sleep } = fakeSleep();
    const retries: RetryInfo[] = [];
    const attempts: number[] = [];
    const result = await retryWithPolicy(
      (attempt) => {
        attempts.push(attempt);
        return attempt < 3 ? failWith(httpError(503)) : Promise.resolve("ok");
      },
      policy,
      { sleep, onRetry: (info) => retries.push(info) },
    );
    expect(result).toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toEqual([10, 20]);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.failure.reason])).toEqual([
      [1, 10, "server_error"],
      [2, 20, "server_error"],
    ]);
  });

  it("stops at once on a non-retryable failure", async () => {
    const { waits, sleep } = fakeSleep();
    let calls = 0;
    const err = await retryWithPolicy(
      () => {
        calls++;
        return failWith(httpError(401));
      },
      policy,
      { sleep },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
    expect(err).toBeInstanceOf(RetryGaveUpError);
    expect(err).toMatchObject({ stop: "not_retryable", attempts: 1, failure: { status: 401 } });
  });

  it("gives up after maxRetries + 1 attempts, keeping the last error as cause", async () => {
    const { sleep } = fakeSleep();
    let calls = 0;
    const last = httpError(502);
    const err = (await retryWithPolicy(
      () => {
        calls++;
        return failWith(calls === 4 ? last : httpError(503));
      },
      policy,
      { sleep },
    ).catch((e: unknown) => e)) as RetryGaveUpError;
    expect(calls).toBe(4);
    expect(err.stop).toBe("exhausted");
    expect(err.attempts).toBe(4);
    expect(err.cause).toBe(last);
    expect(err.message).toMatch(/gave up after 4 attempts/);
  });

  it("waits exactly what retry-after asks, even beyond maxMs", async () => {
    const { waits, sleep } = fakeSleep();
    const small = retryPolicy({ maxRetries: 2, baseMs: 10, maxMs: 20 });
    let calls = 0;
    await retryWithPolicy(
      () => (calls++ === 0 ? failWith(httpError(429, { "retry-after": "5" })) : Promise.resolve("ok")),
      small,
      { sleep },
    );
    expect(waits).toEqual([5000]);
  });

  it("fails at once, saying when to retry, when retry-after exceeds the bound", async () => {
    const { waits, sleep } = fakeSleep();
    const now = Date.parse("2030-01-01T00:00:00Z");
    const err = (await retryWithPolicy(() => failWith(httpError(429, { "retry-after": "120" })), policy, {
      sleep,
      now: () => now,
    }).catch((e: unknown) => e)) as RetryGaveUpError;
    expect(waits).toEqual([]);
    expect(err.stop).toBe("retry_after_too_long");
    expect(err.retryAt?.toISOString()).toBe("2030-01-01T00:02:00.000Z");
    expect(err.message).toContain("2030-01-01T00:02:00.000Z");
  });

  it("an abort during the backoff sleep stops at once with the signal's reason", async () => {
    const controller = new AbortController();
    const slow = retryPolicy({ maxRetries: 5, baseMs: 10_000, maxMs: 10_000, jitter: "none" });
    let calls = 0;
    const started = Date.now();
    const run = retryWithPolicy(
      () => {
        calls++;
        return failWith(httpError(503));
      },
      slow,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("user cancelled")), 20);
    await expect(run).rejects.toThrow("user cancelled");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toBe(1);
  });

  it("does not call fn when the signal is already aborted", async () => {
    let calls = 0;
    const signal = AbortSignal.abort(new Error("gone"));
    await expect(retryWithPolicy(() => Promise.resolve(++calls), policy, { signal })).rejects.toThrow("gone");
    expect(calls).toBe(0);
  });
});

/** A clock that only moves when the retry loop sleeps, so time-bounded tests run instantly. */
function fakeClock() {
  let t = 0;
  const waits: number[] = [];
  const sleep = (ms: number): Promise<void> => {
    waits.push(ms);
    t += ms;
    return Promise.resolve();
  };
  return { waits, sleep, now: () => t };
}

describe("retryWithPolicy: rate limits get their own patience", () => {
  const patient = retryPolicy({
    maxRetries: 2,
    baseMs: 10,
    maxMs: 1000,
    jitter: "none",
    rateLimitPatienceMs: 1000,
    rateLimitMaxMs: 100,
  });

  // Before: a 429 used up one of the maxRetries, so a per-minute limit failed the call in seconds.
  it("keeps retrying 429s past maxRetries while the patience lasts, then succeeds", async () => {
    const clock = fakeClock();
    const result = await retryWithPolicy(
      (attempt) => (attempt <= 6 ? failWith(httpError(429)) : Promise.resolve("ok")),
      patient,
      clock,
    );
    expect(result).toBe("ok");
    // Their own backoff, capped by rateLimitMaxMs (not maxMs).
    expect(clock.waits).toEqual([10, 20, 40, 80, 100, 100]);
  });

  it("stops once the patience is spent, its last wait cut to what is left of it", async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = (await retryWithPolicy(
      () => {
        calls++;
        return failWith(httpError(429));
      },
      patient,
      clock,
    ).catch((e: unknown) => e)) as RetryGaveUpError;
    expect(err).toBeInstanceOf(RetryGaveUpError);
    expect(err.stop).toBe("rate_limit_patience");
    expect(err.failure.reason).toBe("rate_limit");
    // 10+20+40+80 = 150, then 100 each up to 950, then the last wait is the 50 left.
    expect(clock.waits.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(clock.waits.at(-1)).toBe(50);
    expect(calls).toBe(clock.waits.length + 1);
    expect(err.elapsedMs).toBe(1000);
  });

  it("does not wait for a retry-after that ends beyond the patience: it stops at once and says when", async () => {
    const clock = fakeClock();
    const err = (await retryWithPolicy(() => failWith(httpError(429, { "retry-after": "5" })), patient, clock).catch(
      (e: unknown) => e,
    )) as RetryGaveUpError;
    expect(clock.waits).toEqual([]);
    expect(err.stop).toBe("rate_limit_patience");
    expect(err.retryAt?.getTime()).toBe(5000);
  });

  it("a retry-after of 0 falls back to backoff instead of hammering the endpoint", async () => {
    const clock = fakeClock();
    await retryWithPolicy(
      (attempt) => (attempt <= 2 ? failWith(httpError(429, { "retry-after": "0" })) : Promise.resolve("ok")),
      patient,
      clock,
    );
    expect(clock.waits).toEqual([10, 20]);
  });

  it("5xx retries keep their own count, unspent by the 429s before them", async () => {
    const clock = fakeClock();
    const statuses = [429, 429, 429, 503, 503, 503, 503];
    let calls = 0;
    const err = (await retryWithPolicy(() => failWith(httpError(statuses[calls++] ?? 503)), patient, clock).catch(
      (e: unknown) => e,
    )) as RetryGaveUpError;
    // 3 rate-limited attempts + 1 + maxRetries (2) server errors.
    expect(calls).toBe(6);
    expect(err.stop).toBe("exhausted");
    expect(err.failure.reason).toBe("server_error");
    // The 5xx backoff starts over at baseMs: its count is its own.
    expect(clock.waits).toEqual([10, 20, 40, 10, 20]);
  });
});

describe("retryWithPolicy: a deadline", () => {
  // The run's time budget: a wait that would end past it is not started.
  it("never sleeps past it and gives up with stop 'deadline', saying what was left", async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = (await retryWithPolicy(
      () => {
        calls++;
        return failWith(httpError(503));
      },
      retryPolicy({ maxRetries: 9, baseMs: 100, maxMs: 10_000, jitter: "none" }),
      { ...clock, deadline: 350 },
    ).catch((e: unknown) => e)) as RetryGaveUpError;
    // Waits 100 and 200 fit (t = 300); the next, 400, would end at 700.
    expect(clock.waits).toEqual([100, 200]);
    expect(calls).toBe(3);
    expect(err.stop).toBe("deadline");
    expect(err.wait).toEqual({ delayMs: 400, leftMs: 50 });
    expect(err.message).toMatch(/deadline/);
  });

  it("bounds the rate-limit patience too", async () => {
    const clock = fakeClock();
    const err = (await retryWithPolicy(
      () => failWith(httpError(429)),
      retryPolicy({ maxRetries: 0, baseMs: 10, maxMs: 10, jitter: "none", rateLimitPatienceMs: 60_000 }),
      { ...clock, deadline: 55 },
    ).catch((e: unknown) => e)) as RetryGaveUpError;
    expect(clock.waits).toEqual([10, 10, 10, 10, 10]);
    expect(err.stop).toBe("deadline");
  });

  it("a retry-after beyond the deadline is not waited for", async () => {
    const clock = fakeClock();
    const err = (await retryWithPolicy(
      () => failWith(httpError(429, { "retry-after": "2" })),
      retryPolicy({ maxRetries: 3, baseMs: 10, maxMs: 10, rateLimitPatienceMs: 60_000 }),
      { ...clock, deadline: 1000 },
    ).catch((e: unknown) => e)) as RetryGaveUpError;
    expect(clock.waits).toEqual([]);
    expect(err.stop).toBe("deadline");
    expect(err.retryAt?.getTime()).toBe(2000);
  });
});
