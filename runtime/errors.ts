/**
 * Typed errors. Every failure Keel reports to a caller carries a stable `code`
 * so clients, logs and tests can branch on it without parsing messages.
 */
export const ERROR_CODES = [
  "config_invalid",
  "input_invalid",
  "thread_not_found",
  "database_unreachable",
  "model_unavailable",
  "model_timeout",
  "model_rejected",
  "structured_output_invalid",
  "tool_error",
  "checkpoint_unreadable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KeelError";
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export function isKeelError(err: unknown, code?: ErrorCode): err is KeelError {
  return err instanceof KeelError && (code === undefined || err.code === code);
}

/** Validation issues (zod's) as one readable line: `path: message; …`, `(root)` for the value itself. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.message}`).join("; ");
}
