import type pg from "pg";
import { withQuietThread } from "./quiet-thread.js";

export interface PruneCounts {
  /** Threads that lost at least one checkpoint. */
  threads: number;
  checkpoints: number;
  writes: number;
  blobs: number;
  /** Threads left alone because a run is active or they wait on an interrupt. */
  skipped: number;
}

/** Threads with a namespace holding more than `keep` checkpoints, paged by thread_id after `cursor`. */
const CANDIDATES = `SELECT DISTINCT thread_id FROM (
    SELECT thread_id FROM checkpoints WHERE thread_id > $1
    GROUP BY thread_id, checkpoint_ns HAVING count(*) > $2
    ORDER BY thread_id LIMIT $3
  ) c ORDER BY thread_id`;

/**
 * Per namespace, keeps the newest checkpoint (the highest id: ids are time-ordered, as
 * PostgresSaver's own "latest" query assumes) and its ancestors up to `keep` in all: the branch the
 * thread's state and history show. Everything else (older steps, abandoned forks) goes.
 */
const DELETE_SUPERSEDED = `WITH RECURSIVE head AS (
    SELECT DISTINCT ON (checkpoint_ns) checkpoint_ns, checkpoint_id, parent_checkpoint_id
    FROM checkpoints WHERE thread_id = $1 ORDER BY checkpoint_ns, checkpoint_id DESC
  ), kept AS (
    SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, 1 AS depth FROM head
    UNION ALL
    SELECT c.checkpoint_ns, c.checkpoint_id, c.parent_checkpoint_id, k.depth + 1
    FROM kept k JOIN checkpoints c
      ON c.thread_id = $1 AND c.checkpoint_ns = k.checkpoint_ns AND c.checkpoint_id = k.parent_checkpoint_id
    WHERE k.depth < $2
  )
  DELETE FROM checkpoints cp WHERE cp.thread_id = $1
    AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.checkpoint_ns = cp.checkpoint_ns AND k.checkpoint_id = cp.checkpoint_id)
  RETURNING checkpoint_ns, checkpoint_id`;

/**
 * Only the writes of the checkpoints just deleted: a running graph may store a step's writes before
 * its checkpoint row commits, so "writes without a checkpoint" is not the same as "superseded".
 */
const DELETE_WRITES = `DELETE FROM checkpoint_writes w
  USING unnest($2::text[], $3::text[]) AS d(ns, id)
  WHERE w.thread_id = $1 AND w.checkpoint_ns = d.ns AND w.checkpoint_id = d.id`;

/**
 * Channel values no remaining checkpoint of the namespace points at. The join is the one
 * PostgresSaver reads with (channel_versions as text against the stored text version), so "referenced"
 * here means exactly "loaded there". A put writes its blobs and its checkpoint in one transaction,
 * so a blob this statement can see but nobody references is never about to be.
 */
const DELETE_UNREFERENCED_BLOBS = `DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1
  AND NOT EXISTS (
    SELECT 1 FROM checkpoints cp, jsonb_each_text(cp.checkpoint -> 'channel_versions') v
    WHERE cp.thread_id = b.thread_id AND cp.checkpoint_ns = b.checkpoint_ns
      AND v.key = b.channel AND v.value = b.version
  )`;

/**
 * Deletes superseded checkpoints of every thread, `batchSize` threads per query and each thread in
 * its own short transaction, so a pass never holds locks on more than one thread at a time.
 * Threads with an active run, or paused on an interrupt (awaiting approval), are skipped.
 */
export async function pruneCheckpoints(
  pool: pg.Pool,
  options: { keep: number; batchSize: number },
): Promise<PruneCounts> {
  if (!Number.isInteger(options.keep) || options.keep < 1) throw new Error("keep must be an integer >= 1");
  const counts: PruneCounts = { threads: 0, checkpoints: 0, writes: 0, blobs: 0, skipped: 0 };
  let cursor = "";
  for (;;) {
    const { rows } = await pool.query<{ thread_id: string }>(CANDIDATES, [cursor, options.keep, options.batchSize]);
    if (rows.length === 0) return counts;
    for (const { thread_id: threadId } of rows) {
      const done = await withQuietThread(pool, threadId, ["busy", "interrupted"], async (client) => {
        const gone = await client.query<{ checkpoint_ns: string; checkpoint_id: string }>(DELETE_SUPERSEDED, [
          threadId,
          options.keep,
        ]);
        const writes = await client.query(DELETE_WRITES, [
          threadId,
          gone.rows.map((r) => r.checkpoint_ns),
          gone.rows.map((r) => r.checkpoint_id),
        ]);
        const blobs = await client.query(DELETE_UNREFERENCED_BLOBS, [threadId]);
        return { checkpoints: gone.rowCount ?? 0, writes: writes.rowCount ?? 0, blobs: blobs.rowCount ?? 0 };
      });
      if (!done) {
        counts.skipped++;
        continue;
      }
      if (done.checkpoints > 0) counts.threads++;
      counts.checkpoints += done.checkpoints;
      counts.writes += done.writes;
      counts.blobs += done.blobs;
    }
    cursor = rows.at(-1)!.thread_id;
  }
}
