// The bench's scratch database and what it measures: wall and CPU time per turn, and what a thread
// stores in the checkpoint tables.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import pg from "pg";
import { connectPool } from "../../checkpoint/connect.js";
import { withDatabase } from "../../checkpoint/connection-url.js";
import { databaseFromPool, type Database } from "../../checkpoint/database.js";
import { startEmbeddedServer } from "../../checkpoint/embedded-server.js";
import { migrate } from "../../checkpoint/migrate.js";
import type { KeelConfig } from "../../runtime/config.js";

/**
 * A fresh database `keel_bench_<random>` on the server openDatabase would use (DATABASE_URL, else
 * the embedded PostgreSQL under the data dir), migrated; closing it drops it, so no run sees another's rows.
 */
export async function openScratchDatabase(cfg: KeelConfig["database"]): Promise<Database & { name: string }> {
  const server =
    cfg.url === undefined
      ? await startEmbeddedServer({ pgDir: resolve(cfg.dataDir, "pg"), port: cfg.embeddedPort })
      : { url: cfg.url, stop: () => Promise.resolve() };
  const name = `keel_bench_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
  const url = withDatabase(server.url, name);
  const pool = await connectPool(url, { source: "the bench database", hint: "See DATABASE_URL." });
  await migrate(pool);
  const db = databaseFromPool(pool, {
    url,
    embedded: cfg.url === undefined,
    afterClose: async () => {
      try {
        await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await server.stop();
      }
    },
  });
  return { ...db, name };
}

export interface Stored {
  checkpoints: number;
  writes: number;
  blobs: number;
  /** Bytes of the serialized payloads and metadata (octet_length). */
  rawBytes: number;
  /** The same columns as stored on disk, after PostgreSQL's compression (pg_column_size). */
  storedBytes: number;
}

const STORED_SQL = `
  SELECT
    (SELECT count(*) FROM checkpoints WHERE thread_id = $1)::int AS checkpoints,
    (SELECT count(*) FROM checkpoint_writes WHERE thread_id = $1)::int AS writes,
    (SELECT count(*) FROM checkpoint_blobs WHERE thread_id = $1)::int AS blobs,
    ((SELECT coalesce(sum(octet_length(checkpoint::text) + octet_length(metadata::text)), 0) FROM checkpoints WHERE thread_id = $1)
      + (SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_writes WHERE thread_id = $1)
      + (SELECT coalesce(sum(octet_length(blob)), 0) FROM checkpoint_blobs WHERE thread_id = $1))::bigint AS raw,
    ((SELECT coalesce(sum(pg_column_size(checkpoint) + pg_column_size(metadata)), 0) FROM checkpoints WHERE thread_id = $1)
      + (SELECT coalesce(sum(pg_column_size(blob)), 0) FROM checkpoint_writes WHERE thread_id = $1)
      + (SELECT coalesce(sum(pg_column_size(blob)), 0) FROM checkpoint_blobs WHERE thread_id = $1))::bigint AS stored`;

/** What the checkpoint tables hold for one thread. */
export async function storedFor(pool: pg.Pool, threadId: string): Promise<Stored> {
  const { rows } = await pool.query<{
    checkpoints: number;
    writes: number;
    blobs: number;
    raw: string;
    stored: string;
  }>(STORED_SQL, [threadId]);
  const row = rows[0]!;
  return {
    checkpoints: row.checkpoints,
    writes: row.writes,
    blobs: row.blobs,
    rawBytes: Number(row.raw),
    storedBytes: Number(row.stored),
  };
}

export function minus(a: Stored, b: Stored): Stored {
  return {
    checkpoints: a.checkpoints - b.checkpoints,
    writes: a.writes - b.writes,
    blobs: a.blobs - b.blobs,
    rawBytes: a.rawBytes - b.rawBytes,
    storedBytes: a.storedBytes - b.storedBytes,
  };
}

/** Wall time and process CPU (user + system) of one call, in ms. */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  // Nearest rank: no interpolation between samples.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
