import type { KeelConfig } from "../runtime/config.js";
import { calculator } from "./calculator/index.js";
import { currentTime } from "./current-time.js";
import { createHttpGetTool } from "./http-get/index.js";
import { createKnowledgeSearchTool } from "./knowledge/index.js";
import { outboxSend } from "./outbox.js";
import { ToolRegistry } from "./registry.js";
import type { KeelTool } from "./types.js";

const DEFAULT_OPTIONS: KeelConfig["tools"] = { knowledgeDir: "knowledge", httpAllowedHosts: [] };

/** Every tool the agent knows. Adding a tool: one file, plus one line here. */
export function createBuiltinTools(options: KeelConfig["tools"] = DEFAULT_OPTIONS): KeelTool[] {
  return [
    calculator,
    currentTime,
    createKnowledgeSearchTool(options.knowledgeDir),
    createHttpGetTool({ allowedHosts: options.httpAllowedHosts }),
    outboxSend,
  ];
}

export const BUILTIN_TOOLS: readonly KeelTool[] = createBuiltinTools();

export function createToolRegistry(tools: readonly KeelTool[] = BUILTIN_TOOLS): ToolRegistry {
  return new ToolRegistry(tools);
}
