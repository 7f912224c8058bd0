/** An HTTP answer with a stable machine-readable code; the app turns it into `{error, detail}`. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 501 | 503,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Unknown and foreign threads look the same, so a thread id never reveals that it exists. */
export const threadNotFound = (threadId: string): ApiError =>
  new ApiError(404, "thread_not_found", `Thread ${threadId} not found`);

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01",
  "08000",
  "08001",
  "08003",
  "08006",
]);

/** True for errors that mean PostgreSQL is unreachable (not a bad query): the answer is 503, retryable. */
export function isDatabaseDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    err.message,
  );
}
