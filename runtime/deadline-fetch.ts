/**
 * A `fetch` for the OpenAI client that cuts requests the client's own `timeout` misses: a total
 * deadline per request (body included) and a stall limit (no headers, or no body bytes between
 * two chunks, for `stallMs`). A streamed answer that goes silent after its first chunk is cut
 * instead of hanging the run.
 *
 * Wording matters here: the OpenAI SDK turns any fetch error whose name is `AbortError` or whose
 * text matches /timed? ?out/ into a bare "Request timed out." and drops the original error, and it
 * silently ends a stream whose body fails with an `AbortError`. So these errors are named
 * `ModelDeadlineError` and their messages avoid those words; the SDK then keeps them as `cause`
 * (before headers) or rethrows them as they are (mid-body), and the retry classifier finds them.
 */

export type DeadlineKind = "stall" | "deadline";
export type DeadlinePhase = "headers" | "body";

export class ModelDeadlineError extends Error {
  override readonly name = "ModelDeadlineError";

  constructor(
    readonly kind: DeadlineKind,
    readonly phase: DeadlinePhase,
    readonly limitMs: number,
    readonly url: string,
  ) {
    super(
      kind === "stall"
        ? `model endpoint ${url} went silent for ${limitMs} ms ${phase === "headers" ? "before sending response headers" : "in the middle of its response"}`
        : `model call to ${url} passed its ${limitMs} ms deadline while ${phase === "headers" ? "waiting for response headers" : "reading the response"}`,
    );
  }
}

export interface DeadlineFetchOptions {
  /** Total time allowed for one request, from sending it to the last body byte. */
  timeoutMs: number;
  /** Longest silence allowed before headers, or between two body chunks. */
  stallMs: number;
  /** The fetch to wrap; the global one by default. */
  fetch?: typeof globalThis.fetch;
}

/** Statuses whose responses carry no body and cannot be rebuilt with one. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createDeadlineFetch(options: DeadlineFetchOptions): typeof globalThis.fetch {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const { timeoutMs, stallMs } = options;

  return async function deadlineFetch(input, init) {
    const url = requestUrl(input);
    const upstream = init?.signal ?? undefined;
    upstream?.throwIfAborted();

    const controller = new AbortController();
    let phase: DeadlinePhase = "headers";
    let failure: ModelDeadlineError | undefined;
    const fail = (kind: DeadlineKind, limitMs: number): void => {
      if (controller.signal.aborted) return;
      failure = new ModelDeadlineError(kind, phase, limitMs, url);
      controller.abort(failure);
    };
    const onUpstreamAbort = (): void => controller.abort(upstream?.reason);
    upstream?.addEventListener("abort", onUpstreamAbort, { once: true });

    // unref: an abandoned request must not keep the process alive until its deadline.
    const deadlineTimer = setTimeout(() => fail("deadline", timeoutMs), timeoutMs).unref();
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = (): void => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => fail("stall", stallMs), stallMs).unref();
    };
    const disarmStall = (): void => clearTimeout(stallTimer);
    const finish = (): void => {
      clearTimeout(deadlineTimer);
      disarmStall();
      upstream?.removeEventListener("abort", onUpstreamAbort);
    };

    let response: Response;
    armStall();
    try {
      response = await baseFetch(input, { ...init, signal: controller.signal });
    } catch (err) {
      finish();
      throw failure ?? err;
    }
    disarmStall();
    phase = "body";

    if (response.body === null || NULL_BODY_STATUSES.has(response.status)) {
      finish();
      return response;
    }

    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const body = new ReadableStream<Uint8Array>({
      // The stall clock runs only while a read is pending, so a slow consumer is never mistaken
      // for a silent server.
      async pull(stream) {
        armStall();
        try {
          const { done, value } = await reader.read();
          disarmStall();
          if (done) {
            finish();
            stream.close();
          } else {
            stream.enqueue(value);
          }
        } catch (err) {
          finish();
          stream.error(failure ?? err);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}
