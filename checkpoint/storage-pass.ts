import type pg from "pg";
import { pruneCheckpoints, type PruneCounts } from "./prune.js";
import { expireIdleThreads, type ExpireCounts } from "./thread-ttl.js";

/** How much history the database keeps (STORAGE_* in runtime/config.ts). */
export interface RetentionPolicy {
  /** Checkpoints kept per thread and namespace: the newest and its ancestors. */
  keepCheckpoints: number;
  /** Threads idle longer than this are deleted; undefined keeps them forever. */
  threadTtlMs: number | undefined;
  /** Threads looked at per query. */
  batchSize: number;
}

export interface StoragePassResult {
  pruned: PruneCounts;
  expired: ExpireCounts;
  ms: number;
}

/**
 * The lock that lets one replica prune at a time. The two-int form lives apart from the bigint keys
 * of thread locks (server/thread-lock.ts), so it can never collide with a thread's.
 */
export const PRUNE_LOCK = [0x6b65656c, 1] as const;

/**
 * One retention pass: expired threads first (nothing left to prune in them), then superseded
 * checkpoints. Returns undefined without touching anything when another process is running a pass.
 */
export async function runStoragePass(pool: pg.Pool, policy: RetentionPolicy): Promise<StoragePassResult | undefined> {
  // One connection holds the lock while the threads are pruned on another.
  if ((pool.options.max ?? 10) < 2) throw new Error("runStoragePass() needs a pool with max >= 2 connections");
  const started = Date.now();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [...PRUNE_LOCK]);
    if (rows[0]?.ok !== true) return undefined;
    try {
      const expired =
        policy.threadTtlMs === undefined
          ? { threads: 0, skipped: 0 }
          : await expireIdleThreads(pool, {
              idleBefore: new Date(started - policy.threadTtlMs),
              batchSize: policy.batchSize,
            });
      const pruned = await pruneCheckpoints(pool, { keep: policy.keepCheckpoints, batchSize: policy.batchSize });
      return { pruned, expired, ms: Date.now() - started };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, $2)", [...PRUNE_LOCK]);
    }
  } catch (err) {
    // A connection that may still hold the lock must not go back to the pool.
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
