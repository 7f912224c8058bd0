import { resolve } from "node:path";
import type pg from "pg";
import type { KeelConfig } from "../runtime/config.js";
import { connectPool, DEFAULT_CONNECT_TIMEOUT_MS } from "./connect.js";
import { describeTarget } from "./connection-url.js";
import { databaseFromPool, type Database } from "./database.js";
import { EMBEDDED_HOST, startEmbeddedServer } from "./embedded-server.js";
import { migrate } from "./migrate.js";

export interface OpenDatabaseOptions {
  /** Progress lines ("started the embedded PostgreSQL…"). Silent by default. */
  log?: (msg: string) => void;
  /** Bound on one connection attempt; an unreachable server fails after this. Default 5 s. */
  connectTimeoutMs?: number;
}

/**
 * The app's database, ready to use: `DATABASE_URL` when set, else the embedded PostgreSQL under
 * `<dataDir>/pg` (started, or reused when another process already runs it). Tables are created or
 * upgraded before it returns. Throws `database_unreachable` when no server can be reached or started.
 */
export async function openDatabase(cfg: KeelConfig["database"], opts: OpenDatabaseOptions = {}): Promise<Database> {
  const log = opts.log ?? (() => undefined);
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

  if (cfg.url !== undefined) {
    const pool = await connectPool(cfg.url, {
      connectTimeoutMs,
      log,
      source: "DATABASE_URL",
      hint: `Check DATABASE_URL (host, port, database, user, password) and that the server is running, or unset DATABASE_URL to use the embedded PostgreSQL under ${cfg.dataDir}.`,
    });
    log(`Connected to PostgreSQL at ${describeTarget(cfg.url)}.`);
    return ready(pool, { url: cfg.url, embedded: false, encryptionKey: cfg.encryptionKey });
  }

  const pgDir = resolve(cfg.dataDir, "pg");
  const server = await startEmbeddedServer({ pgDir, port: cfg.embeddedPort, log });
  let pool: pg.Pool;
  try {
    pool = await connectPool(server.url, {
      connectTimeoutMs,
      log,
      source: `the embedded server of ${pgDir}`,
      hint: server.owned
        ? "The server started but refused connections; see its data directory, or set DATABASE_URL to use your own server."
        : `A process (see ${pgDir}/postmaster.pid) claims to run it on ${EMBEDDED_HOST}:${server.port}. If no PostgreSQL runs there, delete that file (left by a crash) and retry.`,
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return ready(pool, {
    url: server.url,
    embedded: true,
    afterClose: () => server.stop(),
    encryptionKey: cfg.encryptionKey,
  });
}

async function ready(
  pool: pg.Pool,
  opts: { url: string; embedded: boolean; afterClose?: () => Promise<void>; encryptionKey?: string | undefined },
): Promise<Database> {
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    await opts.afterClose?.();
    throw err;
  }
  return databaseFromPool(pool, opts);
}
