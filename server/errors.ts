/** An HTTP answer with a stable machine-readable code; the app turns it into `{error, detail}`. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 501 | 503,
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
