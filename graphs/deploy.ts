import type { Pool } from "pg";
import { createAgentDeps, guardOptionsOf } from "../app/keel.js";
import { createRedactor } from "../guards/index.js";
import { openDatabase } from "../checkpoint/index.js";
import { demoResponder } from "../fake-openai/demo.js";
import { startFakeOpenAI } from "../fake-openai/server.js";
import { loadConfig } from "../runtime/config.js";
import { createLogger } from "../runtime/logger.js";
import { compileAgent } from "./agent.js";

/**
 * The graph `langgraph.json` exports for `langgraphjs dev` (Studio) and LangGraph Platform.
 * Compiled as every front end compiles it (budget-derived recursion limit), but without a
 * checkpointer: the server brings its own persistence. The app database
 * (for tools with side effects) opens on first use.
 */
const config = loadConfig();
const fake = config.model.offline ? await startFakeOpenAI({ responder: demoResponder }) : undefined;

let pool: Promise<Pool> | undefined;
const db = (): Promise<Pool> => (pool ??= openDatabase(config.database).then((d) => d.pool));

const logger = createLogger(config.logLevel, { redact: createRedactor(guardOptionsOf(config)) });
export const graph = compileAgent(createAgentDeps(config, { fake, pool: db, logger }));
