import type { z } from "zod";
import type { KeelTool, ToolPolicy } from "./types.js";

const DEFAULT_POLICY = {
  risk: "read",
  roles: ["viewer", "member", "admin"],
  needsApproval: false,
  timeoutMs: 10_000,
} as const satisfies ToolPolicy<unknown>;

/** Declare a tool; every policy field has a safe default so a read-only tool needs none. */
export function defineTool<Schema extends z.ZodType>(tool: {
  name: string;
  description: string;
  schema: Schema;
  policy?: Partial<ToolPolicy<z.infer<Schema>>>;
  handler: KeelTool<Schema>["handler"];
}): KeelTool<Schema> {
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
    throw new Error(`Tool name "${tool.name}" must be 1-64 letters, digits, "_" or "-" (OpenAI's rule).`);
  }
  const policy: ToolPolicy<z.infer<Schema>> = { ...DEFAULT_POLICY, ...tool.policy };
  // Anything that changes state defaults to human approval unless the tool says otherwise.
  if (tool.policy?.needsApproval === undefined && policy.risk !== "read") policy.needsApproval = true;
  return { ...tool, policy };
}
