import type { Pool } from "pg";
import type { z } from "zod";

export const ROLES = ["viewer", "member", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling and where, shared by every call of one tool batch. */
export interface CallerToolContext {
  userId: string;
  role: Role;
  threadId: string;
  signal: AbortSignal;
  /** The app database, opened on first use (most tools never need it). */
  db: () => Promise<Pool>;
  /**
   * The tools this run was offered (an assistant's narrowed set), when narrower than the role's:
   * a model may name a tool it was not offered, and such a call is refused like a forbidden one.
   */
  tools?: readonly string[] | undefined;
}

/** What a handler receives: the caller's context plus this call's own idempotency key. */
export interface ToolContext extends CallerToolContext {
  /**
   * The same for every execution of this one tool call: retries, a process resuming the run after a
   * crash, a replay from an earlier checkpoint. A tool with side effects must act at most once per
   * key (record it under a unique constraint in the same transaction as the effect, or pass it to
   * the provider as its idempotency key) and answer a repeat with the first result.
   */
  idempotencyKey: string;
}

export type ApprovalPolicy<Args> =
  boolean | ((args: Args, ctx: Pick<ToolContext, "userId" | "role" | "threadId">) => boolean);

export interface ToolRetryPolicy {
  /** Extra attempts after the first; 0 = no retries. */
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  /** Retry when an attempt hits `timeoutMs` (off by default: a hung tool would multiply the wait). */
  retryOnTimeout: boolean;
  /** Which thrown errors are worth another attempt. Default: `ToolError` marked retryable, network resets. */
  isRetryable?: (err: unknown) => boolean;
}

/** A token bucket: `capacity` calls at once, refilled at `refillPerSecond`. */
export interface RateLimit {
  capacity: number;
  refillPerSecond: number;
}

export interface ToolPolicy<Args> {
  /** read: no side effects; write: changes our own data; external: reaches outside the system. */
  risk: "read" | "write" | "external";
  /** Roles that may see and run the tool. Checked when tools are bound and again before running. */
  roles: readonly Role[];
  /**
   * The call sends its arguments out of the system (a URL, a message). Its validated args are
   * scanned first: a secret is refused (`egress_blocked`), personal data needs approval. Defaults
   * to `risk === "external"`.
   */
  egress: boolean;
  /** A human must approve the call before it runs. */
  needsApproval: ApprovalPolicy<Args>;
  /** Per attempt. */
  timeoutMs: number;
  retry: ToolRetryPolicy;
  /** Shared by all callers (`perTool`) and per caller (`perUser`); both must admit a call. */
  rateLimit: { perTool?: RateLimit; perUser?: RateLimit };
}

export interface KeelTool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: Schema;
  policy: ToolPolicy<z.infer<Schema>>;
  handler: (args: z.infer<Schema>, ctx: ToolContext) => Promise<unknown>;
}

export const TOOL_ERROR_CODES = [
  "unknown_tool",
  "invalid_args",
  "permission_denied",
  "approval_required",
  "egress_blocked",
  "rejected",
  "rate_limited",
  "quarantined",
  "budget_exhausted",
  "timeout",
  "tool_error",
] as const;
export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

/** What the model reads after every call: never an exception, always this shape. */
export type ToolResult =
  | { ok: true; data: unknown; truncated?: { originalChars: number; note: string } }
  | {
      ok: false;
      error: { code: ToolErrorCode; message: string; retryable: boolean; retryAfterMs?: number };
      suggestion: string;
    };
