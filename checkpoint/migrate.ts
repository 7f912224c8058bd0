import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { APP_MIGRATIONS } from "./app-schema.js";

/**
 * One advisory lock key for every schema change Keel makes. `PostgresSaver.setup()` is not safe to run
 * concurrently on a fresh schema (two processes both create the tables and insert migration version 0),
 * so every process serialises on this lock, across processes and replicas.
 */
const MIGRATION_LOCK_KEY = 0x6b65656c; // "keel"
/** A migration stuck behind another process's lock fails instead of hanging start-up. */
const LOCK_TIMEOUT = "60s";

const migrated = new WeakMap<pg.Pool, Promise<void>>();

/**
 * Creates or upgrades the checkpoint tables and Keel's own tables. Runs once per pool (later calls
 * return the same promise; a failure is retried on the next call). Needs two connections: one holds
 * the lock while the saver's setup uses another.
 */
export function migrate(pool: pg.Pool): Promise<void> {
  let done = migrated.get(pool);
  if (!done) {
    done = runMigrations(pool);
    migrated.set(pool, done);
    done.catch(() => migrated.delete(pool));
  }
  return done;
}

async function runMigrations(pool: pg.Pool): Promise<void> {
  if ((pool.options.max ?? 10) < 2) throw new Error("migrate() needs a pool with max >= 2 connections");
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await new PostgresSaver(pool).setup();
      await applyAppMigrations(client);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
      await client.query("RESET lock_timeout");
    }
  } catch (err) {
    // Do not hand a connection in an unknown state (possibly still holding the lock) back to the pool.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}

async function applyAppMigrations(client: pg.PoolClient): Promise<void> {
  await client.query(
    "CREATE TABLE IF NOT EXISTS keel_migrations (v integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const { rows } = await client.query<{ v: number | null }>("SELECT max(v) AS v FROM keel_migrations");
  const current = rows[0]?.v ?? -1;
  for (const [version, sql] of APP_MIGRATIONS.entries()) {
    if (version <= current) continue;
    await client.query("BEGIN");
    try {
      await client.query(sql);
      await client.query("INSERT INTO keel_migrations (v) VALUES ($1)", [version]);
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }
}
