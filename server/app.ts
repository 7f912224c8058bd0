import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { Hono } from "hono";
import pg from "pg";
import { bodyLimit } from "hono/body-limit";
import { createEmbedServer } from "@langchain/langgraph-api/experimental/embed";
import { getRuntimeGraphSchema } from "@langchain/langgraph-api/schema";
import type { Keel } from "../app/keel.js";
import type { KeelConfig } from "../runtime/config.js";
import type { Logger } from "../runtime/logger.js";
import { assistantsFor } from "./assistants.js";
import { corsFor } from "./cors.js";
import type { Authenticator } from "./auth.js";
import { embedThreadSaver } from "./embed-threads.js";
import { isConnectionError } from "../checkpoint/connect-error.js";
import { ApiError } from "./errors.js";
import { RunExecutor } from "./executor.js";
import { createOutputRedactor } from "./redact-output.js";
import { errorBody, requestLog, requireAuth, type Env } from "./http.js";
import type { RouteDeps } from "./routes/context.js";
import { assistantRoutes } from "./routes/meta.js";
import { runRoutes } from "./routes/runs.js";
import { bulkRunRoutes } from "./routes/runs-bulk.js";
import { threadRoutes } from "./routes/threads.js";
import { threadCopyRoutes } from "./routes/thread-copy.js";
import { threadStreamRoutes } from "./routes/thread-stream.js";
import { ThreadLocks } from "./thread-lock.js";

export const GRAPH_ID = "agent";

export interface ApiApp {
  app: Hono<Env>;
  executor: RunExecutor;
  /** Stop taking runs, let running ones finish or hand them off, release the thread locks. */
  drain(graceMs: number): Promise<void>;
  isDraining(): boolean;
}

/**
 * The LangGraph API that `@langchain/langgraph-sdk` speaks, on Keel's PostgreSQL: auth and thread
 * ownership, validation and limits, one active run per thread, runs recorded so any replica can
 * resume them. Run streaming and state serialisation come from `@langchain/langgraph-api`'s embed
 * engine, reached in-process and only after those checks.
 */
export function createApiApp(
  keel: Pick<Keel, "agent" | "database" | "tracing" | "toolNames">,
  config: Pick<KeelConfig, "serve" | "limits" | "guards">,
  parts: { auth: Authenticator; logger: Logger; callbacks?: BaseCallbackHandler[]; pollMs?: number },
): ApiApp {
  const { pool, saver } = keel.database;
  const connectionString = pool.options.connectionString;
  if (!connectionString) throw new Error("the database pool has no connection string");
  const locks = new ThreadLocks(connectionString);
  // Traced and logged like every Keel run: the callbacks ride on the graph the engine executes.
  const graph = keel.agent.withConfig({
    runName: "keel-turn",
    ...(parts.callbacks?.length ? { callbacks: parts.callbacks } : {}),
  });
  // The engine looks graphs up by name (`graph[graphId]`) and assigns onto the result: a map with no
  // prototype turns a stray `__proto__` or `constructor` into "no such graph", not a write onto
  // Object.prototype. embedThreadSaver never shows the engine any graph id but these anyway.
  const graphs = Object.assign(Object.create(null) as Record<string, never>, { [GRAPH_ID]: graph as never });
  const engine = createEmbedServer({
    graph: graphs,
    threads: embedThreadSaver(pool, [GRAPH_ID]),
    checkpointer: saver,
  });
  const executor = new RunExecutor({
    pool,
    locks,
    agent: keel.agent,
    engine,
    graphId: GRAPH_ID,
    logger: parts.logger,
    maxConcurrentRuns: config.serve.maxConcurrentRuns,
    maxRunsPerUser: config.serve.maxRunsPerUser,
    maxQueuedRuns: config.serve.maxQueuedRuns,
    maxQueuedPerUser: config.serve.maxQueuedPerUser,
    queuePollMs: config.serve.queuePollMs,
  });
  const deps: RouteDeps = {
    pool,
    saver,
    executor,
    engine,
    assistants: assistantsFor([GRAPH_ID], new Date()),
    assistantRules: { models: config.serve.assistantModels, tools: keel.toolNames },
    logger: parts.logger,
    limits: config.limits,
    pollMs: parts.pollMs ?? 250,
    redact: createOutputRedactor(config.guards),
  };
  let draining = false;

  const app = new Hono<Env>();
  app.use(requestLog(parts.logger));
  // Before auth and the body limit: browsers send preflights without credentials.
  app.use(corsFor(config.serve.corsOrigins));
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return c.json(errorBody(err), err.status, err.headers);
    }
    if (isConnectionError(err)) {
      parts.logger.error(
        { event: "database_unavailable", request_id: c.get("requestId"), err: err.message },
        "request failed",
      );
      const down = new ApiError(503, "database_unavailable", "The database is unreachable; retry shortly.");
      return c.json(errorBody(down), 503, { "retry-after": "2" });
    }
    if (err instanceof pg.DatabaseError && err.code?.startsWith("22")) {
      // A data exception (a value PostgreSQL cannot take): the request's fault, and body checks
      // should have caught it first, so it is logged to find the gap.
      parts.logger.warn(
        { event: "database_rejected_value", request_id: c.get("requestId"), code: err.code, err: err.message },
        "request refused",
      );
      return c.json({ error: "invalid_request", detail: "A value in the request cannot be stored." }, 422);
    }
    parts.logger.error(
      { event: "http_error", request_id: c.get("requestId"), err: err.message, stack: err.stack },
      "request failed",
    );
    return c.json({ error: "internal_error", detail: "Internal error; see the server log for this request id." }, 500);
  });
  app.notFound((c) => c.json({ error: "not_found", detail: `${c.req.method} ${c.req.path} is not a route here` }, 404));

  // Unauthenticated: liveness, readiness, version.
  app.get("/ok", (c) => c.json({ ok: true }));
  app.get("/ready", async (c) => {
    if (draining) return c.json({ ok: false, reason: "draining" }, 503);
    try {
      await pool.query("SELECT 1");
      return c.json({ ok: true });
    } catch {
      return c.json({ ok: false, reason: "database_unreachable" }, 503);
    }
  });
  app.get("/info", (c) =>
    c.json({ version: "keel", flags: { assistants: true, crons: false, store: false, langsmith: true } }),
  );

  app.use(
    bodyLimit({
      maxSize: config.serve.maxBodyBytes,
      onError: () => {
        throw new ApiError(
          413,
          "request_too_large",
          `Request bodies are limited to ${config.serve.maxBodyBytes} bytes.`,
        );
      },
    }),
  );
  app.use(requireAuth(parts.auth, parts.logger));
  threadRoutes(app, deps);
  threadCopyRoutes(app, deps);
  threadStreamRoutes(app, deps);
  runRoutes(app, deps);
  bulkRunRoutes(app, deps);
  // Extracted on first request from the compiled graph's state schema, then kept (a failure is retried).
  let schemas: ReturnType<typeof getRuntimeGraphSchema> | undefined;
  assistantRoutes(app, {
    ...deps,
    graphJson: async () => (await keel.agent.getGraphAsync()).toJSON(),
    graphSchemas: () =>
      (schemas ??= getRuntimeGraphSchema(keel.agent as never).catch((err: unknown) => {
        schemas = undefined;
        throw err;
      })),
  });

  return {
    app,
    executor,
    isDraining: () => draining,
    async drain(graceMs) {
      draining = true;
      await executor.drain(graceMs);
      await locks.close();
    },
  };
}
