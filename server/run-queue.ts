import pg, { type Pool, type PoolClient } from "pg";
import type { RunRow, RunStatus } from "./store.js";

/**
 * The run queue lives in keel_runs: a run is `pending` until a replica with a free slot claims it.
 * Claiming needs the thread's advisory lock (server/thread-lock.ts) and then flips the row with
 * `UPDATE … WHERE status = 'pending'`: the lock keeps two replicas off one run and the conditional
 * update makes the claim atomic, which is what `FOR UPDATE SKIP LOCKED` would give, without holding
 * a transaction (and its connection) open across the lock.
 */

type Db = Pool | PoolClient;

/**
 * A new run: queued (`pending`), or already claimed (`running`, first attempt) by a process that
 * holds its thread lock and has room. Undefined when the thread already has an active run (one per
 * thread, by index).
 */
export async function insertRun(
  db: Db,
  run: Pick<
    RunRow,
    "run_id" | "thread_id" | "owner_id" | "assistant_id" | "kwargs" | "metadata" | "start_checkpoint_id"
  >,
  status: "pending" | "running",
): Promise<RunRow | undefined> {
  try {
    const { rows } = await db.query<RunRow>(
      `INSERT INTO keel_runs (run_id, thread_id, owner_id, assistant_id, status, kwargs, metadata, start_checkpoint_id,
         attempt, started_at)
       VALUES ($1, $2, $3, $4, $8, $5, $6, $7, CASE WHEN $8 = 'running' THEN 1 ELSE 0 END,
         CASE WHEN $8 = 'running' THEN now() END) RETURNING *`,
      [
        run.run_id,
        run.thread_id,
        run.owner_id,
        run.assistant_id,
        run.kwargs,
        run.metadata,
        run.start_checkpoint_id,
        status,
      ],
    );
    return rows[0];
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === "23505" && err.constraint === "keel_runs_one_active") {
      return undefined;
    }
    throw err;
  }
}

/** Runs waiting in the whole queue, and those of one owner: what the queue's bounds are checked on. */
export async function queuedCounts(db: Db, ownerId: string): Promise<{ total: number; mine: number }> {
  const { rows } = await db.query<{ total: string; mine: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE owner_id = $1) AS mine FROM keel_runs WHERE status = 'pending'`,
    [ownerId],
  );
  return { total: Number(rows[0]?.total ?? 0), mine: Number(rows[0]?.mine ?? 0) };
}

/**
 * The next queued runs in fair order: owners take turns (round robin). A run's round is its place
 * among its owner's queued runs; within a round the owner whose last run started longest ago goes
 * first, then the oldest run. A user who queues one run behind another user's 500 waits for at most
 * one of them.
 */
export async function nextQueuedRuns(db: Db, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `WITH queued AS (
       SELECT *, row_number() OVER (PARTITION BY owner_id ORDER BY created_at) AS round
       FROM keel_runs WHERE status = 'pending'
     ), served AS (
       SELECT o.owner_id, (SELECT max(started_at) FROM keel_runs r WHERE r.owner_id = o.owner_id) AS last_start
       FROM (SELECT DISTINCT owner_id FROM queued) o
     )
     SELECT q.* FROM queued q JOIN served s USING (owner_id)
     ORDER BY q.round, s.last_start NULLS FIRST, q.created_at
     LIMIT $1`,
    [limit],
  );
  return rows.map(({ round: _round, ...row }: RunRow & { round?: unknown }) => row);
}

/**
 * Takes a run from `from` (pending: queued or handed off; running: its process died) to running,
 * counting the attempt. Undefined when someone else changed it first. The caller holds its thread lock.
 */
export async function claimRun(db: Db, runId: string, from: RunStatus): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE keel_runs SET status = 'running', attempt = attempt + 1, started_at = now(), updated_at = now()
     WHERE run_id = $1 AND status = $2 RETURNING *`,
    [runId, from],
  );
  return rows[0];
}

/** Puts back a run claimed by a process that then could not start it (it began shutting down). */
export async function unclaimRun(db: Db, runId: string): Promise<void> {
  await db.query(
    `UPDATE keel_runs SET status = 'pending', attempt = attempt - 1, updated_at = now()
     WHERE run_id = $1 AND status = 'running'`,
    [runId],
  );
}

/** Cancels a run that has not started: it ends `interrupted` without running. False once it was claimed. */
export async function cancelQueuedRun(db: Db, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `UPDATE keel_runs SET status = 'interrupted', cancel_requested = true, updated_at = now()
     WHERE run_id = $1 AND status = 'pending' RETURNING *`,
    [runId],
  );
  return rows[0];
}

/**
 * Where some runs stand (those this process's callers wait on): only the columns that say so, as
 * this is asked every poll for every waiting run.
 */
export async function runStatuses(
  db: Db,
  runIds: readonly string[],
): Promise<Pick<RunRow, "run_id" | "thread_id" | "status" | "error">[]> {
  const { rows } = await db.query<Pick<RunRow, "run_id" | "thread_id" | "status" | "error">>(
    `SELECT run_id, thread_id, status, error FROM keel_runs WHERE run_id = ANY($1::uuid[])`,
    [[...runIds]],
  );
  return rows;
}

/** Where a queued run stands: runs queued before it, and how long it has waited. */
export async function queuePlace(db: Db, run: RunRow): Promise<{ ahead: number; waited_ms: number }> {
  const { rows } = await db.query<{ ahead: string; waited_ms: string }>(
    `SELECT (SELECT count(*) FROM keel_runs WHERE status = 'pending' AND created_at < $1) AS ahead,
            (extract(epoch FROM now() - $1::timestamptz) * 1000)::bigint AS waited_ms`,
    [run.created_at],
  );
  return { ahead: Number(rows[0]?.ahead ?? 0), waited_ms: Number(rows[0]?.waited_ms ?? 0) };
}
