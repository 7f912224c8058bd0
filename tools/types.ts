import type { Pool } from "pg";
import type { z } from "zod";

export const ROLES = ["viewer", "member", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling and where: handed to every handler and approval policy. */
export interface ToolContext {
  userId: string;
  role: Role;
  threadId: string;
  signal: AbortSignal;
  /** The app database, opened on first use (most tools never need it). */
  db: () => Promise<Pool>;
}

export type ApprovalPolicy<Args> =
  boolean | ((args: Args, ctx: Pick<ToolContext, "userId" | "role" | "threadId">) => boolean);

export interface ToolPolicy<Args> {
  /** read: no side effects; write: changes our own data; external: reaches outside the system. */
  risk: "read" | "write" | "external";
  /** Roles that may see and run the tool. Checked when tools are bound and again before running. */
  roles: readonly Role[];
  /** A human must approve the call before it runs. */
  needsApproval: ApprovalPolicy<Args>;
  timeoutMs: number;
}

export interface KeelTool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: Schema;
  policy: ToolPolicy<z.infer<Schema>>;
  handler: (args: z.infer<Schema>, ctx: ToolContext) => Promise<unknown>;
}

export type ToolErrorCode =
  "unknown_tool" | "invalid_args" | "permission_denied" | "approval_required" | "rejected" | "timeout" | "tool_error";

/** What the model reads after every call: never an exception, always this shape. */
export type ToolResult =
  | { ok: true; data: unknown }
  | { ok: false; error: { code: ToolErrorCode; message: string; retryable: boolean }; suggestion: string };
