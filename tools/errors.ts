import { KeelError } from "../runtime/errors.js";

/**
 * What a tool handler throws to shape its failure: whether another attempt may succeed, and what
 * the model should do instead. Anything else a handler throws becomes a non-retryable tool_error.
 */
// A KeelError (code "tool_error"), so every error Keel throws belongs to one hierarchy with codes.
export class ToolError extends KeelError {
  readonly retryable: boolean;
  readonly suggestion: string | undefined;

  constructor(message: string, options: { retryable?: boolean; suggestion?: string; cause?: unknown } = {}) {
    super("tool_error", message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ToolError";
    this.retryable = options.retryable ?? false;
    this.suggestion = options.suggestion;
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

/** Default retry rule: a ToolError marked retryable, or a transient network failure. */
export function isTransientToolError(err: unknown): boolean {
  if (err instanceof ToolError) return err.retryable;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_NETWORK_CODES.has(code)) return true;
  }
  return false;
}
