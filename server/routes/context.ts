import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Pool } from "pg";
import type { KeelConfig } from "../../runtime/config.js";
import type { Logger } from "../../runtime/logger.js";
import type { Assistant } from "../assistants.js";
import type { AssistantRules } from "../assistant-settings.js";
import type { RunExecutor } from "../executor.js";
import type { OutputRedactor } from "../redact-output.js";

/** What the route modules share. */
export interface RouteDeps {
  pool: Pool;
  saver: BaseCheckpointSaver;
  executor: RunExecutor;
  /** The in-process LangGraph API engine: state and history are read through it, runs execute in it. */
  engine: { request(path: string, init?: RequestInit): Response | Promise<Response> };
  /** The built-in assistants, one per served graph (read-only; created ones live in PostgreSQL). */
  assistants: readonly Assistant[];
  /** What a created assistant may be configured with: allowed models, registered tools. */
  assistantRules: AssistantRules;
  logger: Logger;
  limits: KeelConfig["limits"];
  /** How often join/wait poll a run that executes on another replica. */
  pollMs: number;
  /** Every state, answer and event a client receives passes through this (server/redact-output.ts). */
  redact: OutputRedactor;
}
