import { serve } from "@hono/node-server";
import { startKeel } from "../app/keel.js";
import { runCallbacks } from "../app/turn.js";
import { loadConfig } from "../runtime/config.js";
import { KeelError } from "../runtime/errors.js";
import { createApiApp } from "./app.js";
import { createAuthenticator } from "./auth.js";
import { scheduleStoragePasses } from "./storage-schedule.js";

/**
 * `npm run serve`: the graph API on PostgreSQL. SIGTERM/SIGINT drain it: readiness turns 503, new
 * runs are refused, running ones get SERVE_SHUTDOWN_GRACE_MS to finish and the rest are handed off at
 * their last checkpoint; then the sockets, pools and trace queue close.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  // Credentials are checked before anything starts, so a misconfigured server never listens.
  const auth = createAuthenticator(config.auth);
  const keel = await startKeel(config, { log: (line) => process.stderr.write(`${line}\n`) });
  const { logger } = keel;
  // Loud, before listening: e.g. anonymous callers allowed beside keys or JWTs.
  for (const warning of auth.warnings) logger.warn({ event: "auth_config_warning", warning }, warning);
  const api = createApiApp(keel, config, { auth, logger, callbacks: runCallbacks(logger, keel.tracing) });
  const server = serve({ fetch: api.app.fetch, hostname: config.serve.host, port: config.serve.port });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.serve.port;
  logger.info(
    {
      event: "serve_listening",
      url: `http://${config.serve.host}:${port}`,
      database: keel.database.url,
      offline_model: keel.offlineModelUrl ?? null,
    },
    "listening",
  );

  const sweep = setInterval(() => {
    api.executor.sweep().catch((err: Error) => logger.error({ event: "sweep_failed", err: err.message }, "sweep"));
  }, config.serve.sweepMs);
  // Runs left by a process that died are resumed as soon as this one is up.
  void api.executor.sweep().catch((err: Error) => logger.error({ event: "sweep_failed", err: err.message }, "sweep"));

  // Bounded storage: superseded checkpoints and expired threads, one replica at a time.
  const retention =
    config.storage.pruneIntervalMs > 0
      ? scheduleStoragePasses(keel.database.pool, config.storage, config.storage.pruneIntervalMs, logger)
      : undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: "serve_draining", signal, active_runs: api.executor.activeCount }, "draining");
    clearInterval(sweep);
    await retention?.stop();
    await api.drain(config.serve.shutdownGraceMs);
    // Answers still being written (a /wait told its run was handed off) get to finish; idle
    // keep-alive sockets are closed now, and whatever is left after a few seconds is cut.
    const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      http.closeIdleConnections?.();
      setTimeout(() => http.closeAllConnections?.(), 5_000).unref();
    });
    await keel.close();
    logger.info({ event: "serve_stopped" }, "stopped");
    logger.flush?.();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  const message = err instanceof KeelError ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err);
  process.stderr.write(`keel serve: ${message}\n`);
  process.exit(1);
});
