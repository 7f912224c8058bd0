import type { Pool } from "pg";
import { openDatabase, type Database } from "../checkpoint/index.js";
import { demoResponder } from "../fake-openai/demo.js";
import { startFakeOpenAI, type FakeOpenAI } from "../fake-openai/server.js";
import { compileAgent, type Agent } from "../graphs/agent.js";
import type { AgentDeps } from "../nodes/deps.js";
import { DEFAULT_SYSTEM_PROMPT } from "../nodes/prompts.js";
import type { KeelConfig } from "../runtime/config.js";
import { ModelClient } from "../runtime/model.js";
import { createLogger, type Logger } from "../runtime/logger.js";
import { ToolEngine } from "../tools/engine.js";
import { createBuiltinTools, createToolRegistry } from "../tools/index.js";
import type { KeelTool } from "../tools/types.js";
import type { ToolOutputScanner } from "../tools/untrusted.js";

export interface Keel {
  agent: Agent;
  database: Database;
  /** Set when no API key is configured and the built-in fake model serves the demo. */
  offlineModelUrl: string | undefined;
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
  const logger = createLogger(config.logLevel);
  const agent = compileAgent(
    createAgentDeps(config, { fake, pool: async () => database.pool, logger }),
    database.saver,
  );
  let closed = false;
  return {
    agent,
    database,
    offlineModelUrl: fake?.baseUrl,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([database.close(), fake?.close()]);
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
    scanToolOutput?: ToolOutputScanner;
  },
): AgentDeps {
  const model = new ModelClient(
    config.model,
    parts.fake ? { baseUrl: parts.fake.baseUrl, apiKey: "offline-demo" } : undefined,
  );
  return {
    model,
    engine: new ToolEngine(createToolRegistry(parts.tools ?? createBuiltinTools(config.tools)), {
      logger: parts.logger,
      ...(parts.scanToolOutput ? { scanToolOutput: parts.scanToolOutput } : {}),
    }),
    logger: parts.logger,
    ...(parts.scanToolOutput ? { scanToolOutput: parts.scanToolOutput } : {}),
    db: parts.pool,
    limits: config.limits,
    systemPrompt: DEFAULT_SYSTEM_PROMPT,
  };
}
