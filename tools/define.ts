import type { z } from "zod";
import type { KeelTool, ToolPolicy } from "./types.js";
import { KeelError } from "../runtime/errors.js";

const DEFAULT_POLICY = {
  risk: "read",
  egress: false,
  roles: ["viewer", "member", "admin"],
  needsApproval: false,
  timeoutMs: 10_000,
  retry: { maxRetries: 0, baseMs: 200, maxMs: 2_000, retryOnTimeout: false },
  rateLimit: {},
} as const satisfies ToolPolicy<unknown>;

/** Declare a tool; every policy field has a safe default so a read-only tool needs none. */
export function defineTool<Schema extends z.ZodType>(tool: {
  name: string;
  description: string;
  schema: Schema;
  policy?: Partial<Omit<ToolPolicy<z.infer<Schema>>, "retry">> & { retry?: Partial<ToolPolicy<unknown>["retry"]> };
  handler: KeelTool<Schema>["handler"];
}): KeelTool<Schema> {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
    throw new KeelError(
      "config_invalid",
      `Tool name "${tool.name}" must be 1-64 letters, digits, "_" or "-" (OpenAI's rule).`,
    );
  }
  const policy: ToolPolicy<z.infer<Schema>> = {
    ...DEFAULT_POLICY,
    ...tool.policy,
    retry: { ...DEFAULT_POLICY.retry, ...tool.policy?.retry },
  };
  if (policy.timeoutMs <= 0 || policy.retry.maxRetries < 0) {
    throw new KeelError(
      "config_invalid",
      `Tool "${tool.name}": timeoutMs must be positive and retry.maxRetries at least 0.`,
    );
  }
  if (tool.policy?.egress === undefined) policy.egress = policy.risk === "external";
  // Anything that changes state defaults to human approval unless the tool says otherwise.
  if (tool.policy?.needsApproval === undefined && policy.risk !== "read") policy.needsApproval = true;
  return { ...tool, policy };
}
