import { calculator } from "./calculator/index.js";
import { outboxSend } from "./outbox.js";
import { ToolRegistry } from "./registry.js";
import type { KeelTool } from "./types.js";

/** Every tool the agent knows. Adding a tool: one file, plus one line here. */
export const BUILTIN_TOOLS: readonly KeelTool[] = [calculator, outboxSend];

export function createToolRegistry(tools: readonly KeelTool[] = BUILTIN_TOOLS): ToolRegistry {
  return new ToolRegistry(tools);
}
