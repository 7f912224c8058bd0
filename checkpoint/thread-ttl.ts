import type pg from "pg";
import { withQuietThread } from "./quiet-thread.js";

export interface ExpireCounts {
  /** Threads deleted with everything stored for them (their keel_outbox rows excepted). */
  threads: number;
  /** Idle threads left alone because a run was active when their turn came. */
  skipped: number;
}

/**
 * A thread's last activity is its newest checkpoint, Keel row or run, whichever is latest: threads
 * of the terminal client have only checkpoints, a thread created over the API may have only a row.
 */
const IDLE_THREADS = `SELECT thread_id FROM (
    SELECT thread_id, (checkpoint ->> 'ts')::timestamptz AS at FROM checkpoints WHERE thread_id > $1
    UNION ALL SELECT thread_id::text, updated_at FROM keel_threads WHERE thread_id::text > $1
    UNION ALL SELECT thread_id::text, updated_at FROM keel_runs WHERE thread_id::text > $1
  ) activity
  GROUP BY thread_id HAVING max(at) < $2
  ORDER BY thread_id LIMIT $3`;

/** The same test for one thread, repeated inside its transaction: a run may have ended since. */
const STILL_IDLE = `SELECT coalesce(greatest(
    (SELECT max((checkpoint ->> 'ts')::timestamptz) FROM checkpoints WHERE thread_id = $1),
    (SELECT updated_at FROM keel_threads WHERE thread_id = $2::uuid),
    (SELECT max(updated_at) FROM keel_runs WHERE thread_id = $2::uuid)
  ) < $3, false) AS idle`;

/**
 * Deletes threads idle since before `idleBefore`: checkpoints, writes, blobs, and the keel_threads
 * row (its keel_runs go with it, ON DELETE CASCADE). keel_outbox rows stay: they record side effects
 * that happened. A thread with a pending or running run is never deleted; one paused on an approval
 * nobody gave is, once idle that long.
 */
export async function expireIdleThreads(
  pool: pg.Pool,
  options: { idleBefore: Date; batchSize: number },
): Promise<ExpireCounts> {
  const counts: ExpireCounts = { threads: 0, skipped: 0 };
  let cursor = "";
  for (;;) {
    const { rows } = await pool.query<{ thread_id: string }>(IDLE_THREADS, [
      cursor,
      options.idleBefore,
      options.batchSize,
    ]);
    if (rows.length === 0) return counts;
    for (const { thread_id: threadId } of rows) {
      const deleted = await withQuietThread(pool, threadId, ["busy"], async (client, uuid) => {
        const { rows: check } = await client.query<{ idle: boolean }>(STILL_IDLE, [threadId, uuid, options.idleBefore]);
        if (check[0]?.idle !== true) return false;
        for (const table of ["checkpoint_writes", "checkpoint_blobs", "checkpoints"]) {
          await client.query(`DELETE FROM ${table} WHERE thread_id = $1`, [threadId]);
        }
        if (uuid !== null) await client.query("DELETE FROM keel_threads WHERE thread_id = $1::uuid", [uuid]);
        return true;
      });
      if (deleted === undefined) counts.skipped++;
      else if (deleted) counts.threads++;
    }
    cursor = rows.at(-1)!.thread_id;
  }
}
