import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Pool } from "pg";
import type { Guards } from "../guards/index.js";
import type { Budgets } from "../runtime/budget.js";
import type { PriceTable } from "../runtime/pricing.js";
import { formatIssues, KeelError } from "../runtime/errors.js";
import { RunContextSchema, type RunContext } from "../graphs/state.js";
import type { Logger } from "../runtime/logger.js";
import type { ToolEngine } from "../tools/engine.js";
import type { ToolSpec } from "../tools/registry.js";

/** What the plan and summarize nodes need from a chat model (ModelClient in runtime/model.ts). */
export interface ChatModelPort {
  readonly modelName: string;
  invoke(
    messages: BaseMessage[],
    options: {
      tools?: ToolSpec[];
      signal?: AbortSignal;
      config?: RunnableConfig;
      /** What is left of the run's time budget (ms): no retry wait may end past it. */
      timeBudgetMs?: number;
      /** Another allowed model for this call (an assistant's); default `modelName`. */
      model?: string;
    },
  ): Promise<AIMessage>;
}

export interface AgentLimits {
  maxInputChars: number;
  contextTokens: number;
  summarizeAtTokens: number;
  keepRecentTokens: number;
  /** 0: no trigger by count. */
  summarizeAtMessages: number;
  keepRecentMessages: number;
  toolOutputMaxChars: number;
  toolConcurrency: number;
}

export interface UserLimitsPort {
  check(userId: string): Promise<{ ok: true } | { ok: false; reason: string; message: string; retryAt: string }>;
  record(userId: string, usage: { tokens: number; usd: number }): Promise<void>;
}

/** Everything the nodes use, injected once when the graph is built. */
export interface AgentDeps {
  model: ChatModelPort;
  /** Runs tool calls; `engine.registry` lists the tools. */
  engine: ToolEngine;
  logger: Logger;
  /** Injection detection on input and tool output, redaction of answers. */
  guards: Guards;
  db: () => Promise<Pool>;
  budgets: Budgets;
  /** Per-user token rate and daily spend, shared across threads and replicas (optional). */
  userLimits?: UserLimitsPort;
  prices: PriceTable;
  limits: AgentLimits;
  systemPrompt: string;
}

export interface CallerContext extends RunContext {
  threadId: string;
}

/**
 * Caller identity comes from the run's context; a run without one is an anonymous member. A
 * malformed context fails the run rather than guessing a role (fail closed).
 */
export function callerContext(config: LangGraphRunnableConfig): CallerContext {
  const parsed = RunContextSchema.safeParse(config.context ?? {});
  if (!parsed.success) {
    throw new KeelError("input_invalid", `Invalid run context: ${formatIssues(parsed.error.issues)}`);
  }
  const context = parsed.data;
  const threadId: unknown = config.configurable?.thread_id;
  return { ...context, threadId: typeof threadId === "string" ? threadId : "ephemeral" };
}
