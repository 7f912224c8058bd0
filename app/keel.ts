import type { Pool } from "pg";
import { openDatabase, type Database } from "../checkpoint/index.js";
import { demoResponder } from "../fake-openai/demo.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import { compileAgent, type Agent } from "../graphs/agent.js";
import { createGuards, createRedactor, defaultChecks, type GuardOptions, type Guards } from "../guards/index.js";
import { createLlmClassifier } from "../guards/llm-classifier.js";
import type { AgentDeps, UserLimitsPort } from "../nodes/deps.js";
import { DEFAULT_SYSTEM_PROMPT } from "../nodes/prompts.js";
import type { KeelConfig } from "../runtime/config.js";
import { ModelClient } from "../runtime/model.js";
import { createTracing, type Tracing } from "../runtime/tracing.js";
import { UserLimits } from "../runtime/user-limits.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { ToolEngine } from "../tools/engine.js";
import { createBuiltinTools, createToolRegistry } from "../tools/index.js";
import type { KeelTool } from "../tools/types.js";

export interface Keel {
  agent: Agent;
  database: Database;
  /** Set when no API key is configured and the built-in fake model serves the demo. */
  offlineModelUrl: string | undefined;
  /** The guards the agent runs with; front ends use them to redact what they stream. */
  guards: Guards;
  /** LangSmith tracing (inert unless LANGSMITH_TRACING is on), redacted before sending. */
  tracing: Tracing;
  /** The structured, redacting logger the agent writes to. */
  logger: Logger;
  /** Names of the registered tools (what an assistant's tool set may name). */
  toolNames: readonly string[];
  close(): Promise<void>;
}

/** The composition root: config → model, tools, database → compiled agent with its checkpointer. */
export async function startKeel(config: KeelConfig, options: { log?: (line: string) => void } = {}): Promise<Keel> {
  // A short pause between streamed chunks makes the offline demo visibly stream.
  const fake = config.model.offline ? await startFakeOpenAI({ responder: demoResponder, chunkDelayMs: 15 }) : undefined;
  let database: Database;
  try {
    database = await openDatabase(config.database, options.log ? { log: options.log } : {});
  } catch (err) {
    await fake?.close();
    throw err;
  }
  // The server's own bind address is written in its start-up line and identifies no one.
  const redactor = createRedactor(guardOptionsOf(config), [config.serve.host]);
  const logger = createLogger(config.logLevel, { redact: redactor });
  const tracing = createTracing(config.tracing, redactor);
  const deps = createAgentDeps(config, { fake, pool: async () => database.pool, logger });
  const agent = compileAgent(deps, database.saver);
  let closed = false;
  return {
    agent,
    database,
    offlineModelUrl: fake?.baseUrl,
    guards: deps.guards,
    tracing,
    logger,
    toolNames: deps.engine.registry.names(),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([database.close(), fake?.close(), tracing.flush()]);
    },
  };
}

export function createAgentDeps(
  config: KeelConfig,
  parts: {
    fake: FakeOpenAI | undefined;
    pool: () => Promise<Pool>;
    logger: Logger;
    tools?: readonly KeelTool[];
    guards?: Guards;
  },
): AgentDeps {
  const endpoint = parts.fake ? { baseUrl: parts.fake.baseUrl, apiKey: "offline-demo" } : {};
  const model = new ModelClient(config.model, endpoint, {
    logger: parts.logger,
    allowedModels: config.serve.assistantModels,
  });
  const { llmClassifier } = config.guards;
  const classifier = llmClassifier.enabled
    ? createLlmClassifier(
        new ModelClient(
          config.model,
          { ...endpoint, model: llmClassifier.model ?? config.model.name },
          { logger: parts.logger },
        ),
        {
          failMode: llmClassifier.failMode,
        },
      )
    : undefined;
  return {
    model,
    engine: new ToolEngine(createToolRegistry(parts.tools ?? createBuiltinTools(config.tools)), {
      logger: parts.logger,
    }),
    // The guard layers, in order: add or remove a check here (see guards/checks/), never in the nodes.
    guards: parts.guards ?? createGuards(guardOptionsOf(config), { checks: defaultChecks({ classifier }) }),
    logger: parts.logger,
    db: parts.pool,
    budgets: config.budgets,
    ...(config.userLimits.tokensPerMinute > 0 || config.userLimits.usdPerDay > 0
      ? { userLimits: lazyUserLimits(parts.pool, config.userLimits) }
      : {}),
    prices: config.model.prices,
    limits: config.limits,
    systemPrompt: DEFAULT_SYSTEM_PROMPT,
  };
}

export function guardOptionsOf(config: KeelConfig): GuardOptions {
  const { toolOutput, redaction, hashKey, blockScore } = config.guards;
  return {
    toolOutput,
    redaction,
    ...(blockScore === undefined ? {} : { blockScore }),
    ...(hashKey ? { hashKey } : {}),
  };
}

/** The limits table lives in the app database, which opens on first use. */
function lazyUserLimits(pool: () => Promise<Pool>, options: KeelConfig["userLimits"]): UserLimitsPort {
  let limits: Promise<UserLimits> | undefined;
  const get = (): Promise<UserLimits> => (limits ??= pool().then((p) => new UserLimits(p, options)));
  return {
    check: async (userId) => (await get()).check(userId),
    record: async (userId, usage) => (await get()).record(userId, usage),
  };
}
