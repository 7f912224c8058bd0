/**
 * Keel's retry policy for model calls: exponential backoff with jitter, `retry-after` honoured up
 * to a bound, rate limits waited out for a length of time rather than a number of attempts, an
 * optional deadline no wait may pass, and a classifier that knows how @langchain/openai and the
 * openai SDK surface failures. Pure: no model import, the clock and the randomness can be injected.
 */
import { z } from "zod";
import { ModelDeadlineError } from "./deadline-fetch.js";

export const RetryPolicySchema = z.object({
  /** Retries after the first attempt; 0 means one attempt only. */
  maxRetries: z.number().int().min(0),
  /** Backoff before the first retry, before jitter. */
  baseMs: z.number().min(0),
  /** Upper bound of any backoff delay (not of a server's `retry-after`). */
  maxMs: z.number().min(0),
  factor: z.number().min(1).default(2),
  /**
   * "equal" (the default) waits half the backoff for sure and a random share of the other half:
   * a retry never fires almost at once (which "full" jitter allows, wasting an attempt against an
   * endpoint that is still down), and concurrent runs still spread out instead of retrying in step.
   */
  jitter: z.enum(["equal", "full", "none"]).default("equal"),
  /** A `retry-after` beyond this is not waited out: the call fails and says when to try again. */
  maxRetryAfterMs: z.number().min(0).default(60_000),
  /**
   * When set, 429s are retried until this long after the first attempt instead of counting against
   * `maxRetries`: a per-minute limit clears in seconds to a minute, which a handful of quick
   * retries never covers. 0 retries no 429. Unset, a 429 is one more retry like any other.
   */
  rateLimitPatienceMs: z.number().min(0).optional(),
  /** Upper bound of the backoff between two 429 retries without `retry-after`; `maxMs` when unset. */
  rateLimitMaxMs: z.number().min(0).optional(),
});

export type RetryPolicy = z.output<typeof RetryPolicySchema>;
export type RetryPolicyInput = z.input<typeof RetryPolicySchema>;

export function retryPolicy(input: RetryPolicyInput): RetryPolicy {
  return RetryPolicySchema.parse(input);
}

/** Delay before retry number `attempt` (1 = the first retry), in whole milliseconds. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * policy.factor ** Math.max(0, attempt - 1));
  switch (policy.jitter) {
    case "none":
      return Math.round(ceiling);
    case "full":
      return Math.round(random() * ceiling);
    case "equal":
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }
}

export type FailureReason =
  "rate_limit" | "server_error" | "connection" | "timeout" | "stall" | "client_error" | "aborted" | "unknown";

export interface FailureClass {
  retryable: boolean;
  reason: FailureReason;
  status?: number;
  retryAfterMs?: number;
}

type HeadersLike = { get(name: string): string | null } | Record<string, unknown>;

function header(headers: HeadersLike | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (typeof headers.get === "function")
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === "string") return value;
  }
  return undefined;
}

/**
 * How long a server asked us to wait: `retry-after-ms` (OpenAI's, in milliseconds) first, then
 * `retry-after` in seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: HeadersLike | undefined, now: number = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const raw = header(headers, "retry-after")?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  // Only an HTTP date (it names a weekday and month); Date.parse would also read "-5" as a year.
  const date = /[a-z]{3}/i.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error and its `cause` chain (the SDK wraps fetch errors, fetch wraps socket errors). */
function causeChain(err: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = err;
  while (
    typeof current === "object" &&
    current !== null &&
    chain.length < 10 &&
    !chain.includes(current as Record<string, unknown>)
  ) {
    chain.push(current as Record<string, unknown>);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const ctorName = (e: Record<string, unknown>): string | undefined =>
  (e.constructor as { name?: string } | undefined)?.name;

function statusOf(e: Record<string, unknown>): number | undefined {
  const response = e.response as { status?: unknown } | undefined;
  for (const value of [e.status, e.statusCode, response?.status]) {
    if (typeof value === "number" && value >= 100 && value <= 599) return value;
  }
  return undefined;
}

const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const CONNECTION_MESSAGES = /^(fetch failed|terminated|socket hang up|other side closed|connection error\.?)$/i;

function classifyStatus(e: Record<string, unknown>, status: number): FailureClass {
  const headers = (e.headers ?? (e.response as { headers?: unknown } | undefined)?.headers) as HeadersLike | undefined;
  const retryAfterMs = parseRetryAfter(headers);
  const withRetryAfter = retryAfterMs === undefined ? {} : { retryAfterMs };
  let verdict: FailureClass;
  if (status === 429) {
    // An exhausted quota or billing limit answers 429 too, and waiting does not fix it.
    const quota =
      str(e.code) === "insufficient_quota" ||
      str((e.error as { code?: unknown } | undefined)?.code) === "insufficient_quota";
    verdict = { retryable: !quota, reason: "rate_limit", status, ...withRetryAfter };
  } else if (status === 408) {
    verdict = { retryable: true, reason: "timeout", status, ...withRetryAfter };
  } else if (status === 409 || status >= 500) {
    // 409 is a transient lock conflict on OpenAI's side; its own SDK retries it too.
    verdict = { retryable: true, reason: "server_error", status, ...withRetryAfter };
  } else {
    verdict = { retryable: false, reason: "client_error", status };
  }
  // The server may say explicitly whether a retry can help (OpenAI's `x-should-retry`).
  const shouldRetry = header(headers, "x-should-retry");
  if (shouldRetry === "true" || shouldRetry === "false") verdict = { ...verdict, retryable: shouldRetry === "true" };
  return verdict;
}

/**
 * Sorts a failed model call into retry or stop. Retried: 429 (with or without `retry-after`),
 * 408, 409, 5xx, connection failures, timeouts and stalls. Not retried: other 4xx, a caller's
 * abort, an exhausted quota, and anything unrecognised (likely a bug, not an outage).
 */
export function classifyModelError(err: unknown): FailureClass {
  const chain = causeChain(err);

  const deadline = chain.find((e) => e instanceof ModelDeadlineError || e.name === "ModelDeadlineError");
  if (deadline)
    return { retryable: true, reason: (deadline as { kind?: unknown }).kind === "stall" ? "stall" : "timeout" };

  for (const e of chain) {
    const status = statusOf(e);
    if (status !== undefined) return classifyStatus(e, status);
  }

  for (const e of chain) {
    const name = str(e.name);
    const ctor = ctorName(e);
    const code = str(e.code);
    const message = str(e.message) ?? "";
    // The SDK's own request timeout reaches us renamed "TimeoutError" by @langchain/openai.
    if (
      name === "TimeoutError" ||
      ctor === "APIConnectionTimeoutError" ||
      (code !== undefined && TIMEOUT_CODES.has(code))
    ) {
      return { retryable: true, reason: "timeout" };
    }
    // Before headers an abort surfaces as name "AbortError"; mid-stream as `new Error("AbortError")`.
    if (
      name === "AbortError" ||
      name === "ModelAbortError" ||
      ctor === "APIUserAbortError" ||
      message === "AbortError"
    ) {
      return { retryable: false, reason: "aborted" };
    }
    if (
      (code !== undefined && CONNECTION_CODES.has(code)) ||
      ctor === "APIConnectionError" ||
      CONNECTION_MESSAGES.test(message)
    ) {
      return { retryable: true, reason: "connection" };
    }
    // An error event inside an otherwise healthy stream carries no status, only the error type.
    if (str((e.error as { type?: unknown } | undefined)?.type) === "server_error")
      return { retryable: true, reason: "server_error" };
  }
  return { retryable: false, reason: "unknown" };
}

/**
 * Why retrying stopped: a failure no retry fixes, the retries spent, a `retry-after` beyond
 * `maxRetryAfterMs`, the rate-limit patience spent (or a `retry-after` ending after it), or the
 * caller's deadline too close for the next wait.
 */
export type RetryStop = "not_retryable" | "exhausted" | "retry_after_too_long" | "rate_limit_patience" | "deadline";

/** The wait a `deadline` stop declined, and how much time the deadline had left. */
export interface DeclinedWait {
  delayMs: number;
  leftMs: number;
}

/** Thrown by retryWithPolicy when it stops; `cause` is the last failure. */
export class RetryGaveUpError extends Error {
  override readonly name = "RetryGaveUpError";

  constructor(
    readonly stop: RetryStop,
    readonly attempts: number,
    readonly elapsedMs: number,
    readonly failure: FailureClass,
    cause: unknown,
    /** When the server said a retry may succeed (set when it sent `retry-after`). */
    readonly retryAt?: Date,
    /** Set on a `deadline` stop. */
    readonly wait?: DeclinedWait,
  ) {
    super(gaveUpMessage(stop, attempts, elapsedMs, failure, cause, retryAt, wait), { cause });
  }
}

function gaveUpMessage(
  stop: RetryStop,
  attempts: number,
  elapsedMs: number,
  failure: FailureClass,
  cause: unknown,
  retryAt?: Date,
  wait?: DeclinedWait,
): string {
  const last = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
  if (stop === "retry_after_too_long" && failure.retryAfterMs !== undefined && retryAt !== undefined) {
    return `asked to retry after ${formatSeconds(failure.retryAfterMs)} (at ${retryAt.toISOString()}), longer than this client waits: ${last}`;
  }
  if (stop === "not_retryable") return `not retryable: ${last}`;
  const why =
    stop === "rate_limit_patience"
      ? " (rate-limit patience spent)"
      : stop === "deadline" && wait
        ? ` (the next wait, ${formatSeconds(wait.delayMs)}, would pass the deadline ${formatSeconds(wait.leftMs)} away)`
        : "";
  return `gave up after ${attempts} attempts over ${formatSeconds(elapsedMs)}${why}: ${last}`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export interface RetryInfo {
  /** The attempt that just failed (1 = the first call). */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  failure: FailureClass;
  error: unknown;
}

export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** On the `now` clock: no wait may end after it; retrying stops instead (stop "deadline"). */
  deadline?: number | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  classify?: ((err: unknown) => FailureClass) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The signal's own reason, as throwIfAborted() would throw it.
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds or the policy says stop. 429s are retried for the policy's rate-limit
 * patience when it has one, with their own backoff; every other retryable failure counts against
 * `maxRetries`. A caller's abort rethrows the signal's reason at once (also mid-sleep); every other
 * stop throws RetryGaveUpError.
 */
export async function retryWithPolicy<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const {
    signal,
    deadline,
    onRetry,
    sleep = abortableSleep,
    classify = classifyModelError,
    random = Math.random,
    now = Date.now,
  } = options;
  const started = now();
  // Counted apart, so 429s neither spend the retries of 5xx and resets nor grow their backoff.
  let retries = 0;
  let rateLimitRetries = 0;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      signal?.throwIfAborted();
      const failure = classify(err);
      const at = now();
      const elapsed = at - started;
      const retryAt = failure.retryAfterMs === undefined ? undefined : new Date(at + failure.retryAfterMs);
      const stop = (why: RetryStop, wait?: DeclinedWait) =>
        new RetryGaveUpError(why, attempt, elapsed, failure, err, retryAt, wait);
      if (!failure.retryable) throw stop("not_retryable");
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        throw stop("retry_after_too_long");
      }
      let delayMs: number;
      if (failure.reason === "rate_limit" && policy.rateLimitPatienceMs !== undefined) {
        const leftMs = policy.rateLimitPatienceMs - elapsed;
        // A retry before the server's `retry-after` would only be refused again.
        if (leftMs <= 0 || (failure.retryAfterMs ?? 0) > leftMs) throw stop("rate_limit_patience");
        rateLimitRetries++;
        // `retry-after: 0` is read as "soon", not as leave to retry in a tight loop.
        delayMs =
          failure.retryAfterMs ||
          Math.min(
            leftMs,
            backoffDelay(rateLimitRetries, { ...policy, maxMs: policy.rateLimitMaxMs ?? policy.maxMs }, random),
          );
      } else {
        if (retries >= policy.maxRetries) throw stop("exhausted");
        retries++;
        delayMs = failure.retryAfterMs ?? backoffDelay(retries, policy, random);
      }
      if (deadline !== undefined && at + delayMs > deadline) {
        throw stop("deadline", { delayMs, leftMs: Math.max(0, deadline - at) });
      }
      onRetry?.({ attempt, delayMs, failure, error: err });
      await sleep(delayMs, signal);
    }
  }
}
