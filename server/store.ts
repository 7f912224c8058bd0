import type { Pool, PoolClient } from "pg";

/** Row shapes of keel_threads and keel_runs (checkpoint/app-schema.ts). */
export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";
export type RunStatus = "pending" | "running" | "success" | "error" | "interrupted";
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["pending", "running"];

export interface ThreadRow {
  thread_id: string;
  owner_id: string;
  metadata: Record<string, unknown>;
  status: ThreadStatus;
  created_at: Date;
  updated_at: Date;
}

export interface RunRow {
  run_id: string;
  thread_id: string;
  owner_id: string;
  assistant_id: string;
  status: RunStatus;
  kwargs: Record<string, unknown>;
  metadata: Record<string, unknown>;
  start_checkpoint_id: string | null;
  attempt: number;
  cancel_requested: boolean;
  error: { error: string; message: string } | null;
  created_at: Date;
  updated_at: Date;
  /** When its latest attempt was claimed; null while it has only been queued. */
  started_at: Date | null;
}

type Db = Pool | PoolClient;

export async function insertThread(
  db: Db,
  thread: { threadId: string; ownerId: string; metadata: Record<string, unknown> },
): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(
    `INSERT INTO keel_threads (thread_id, owner_id, metadata) VALUES ($1, $2, $3)
     ON CONFLICT (thread_id) DO NOTHING RETURNING *`,
    [thread.threadId, thread.ownerId, thread.metadata],
  );
  return rows[0];
}

/** A thread the caller owns, or undefined: someone else's thread is indistinguishable from none. */
export async function ownedThread(db: Db, threadId: string, ownerId: string): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(`SELECT * FROM keel_threads WHERE thread_id = $1 AND owner_id = $2`, [
    threadId,
    ownerId,
  ]);
  return rows[0];
}

export async function threadById(db: Db, threadId: string): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(`SELECT * FROM keel_threads WHERE thread_id = $1`, [threadId]);
  return rows[0];
}

export async function mergeThreadMetadata(
  db: Db,
  threadId: string,
  metadata: Record<string, unknown>,
): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(
    `UPDATE keel_threads SET metadata = metadata || $2, updated_at = now() WHERE thread_id = $1 RETURNING *`,
    [threadId, metadata],
  );
  return rows[0];
}

/** Sets the thread's status, merging `metadata` into its metadata in the same write when given. */
export async function setThreadStatus(
  db: Db,
  threadId: string,
  status: ThreadStatus,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  await db.query(
    `UPDATE keel_threads SET status = $2, metadata = metadata || $3, updated_at = now() WHERE thread_id = $1`,
    [threadId, status, metadata],
  );
}

export async function deleteThreadRow(db: Db, threadId: string, ownerId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM keel_threads WHERE thread_id = $1 AND owner_id = $2`, [
    threadId,
    ownerId,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface ThreadFilter {
  metadata?: Record<string, unknown> | undefined;
  status?: ThreadStatus | undefined;
  /** Only these threads (UUIDs). */
  ids?: readonly string[] | undefined;
}

export type ThreadSortColumn = "created_at" | "updated_at" | "thread_id" | "status";

export interface ThreadQuery extends ThreadFilter {
  limit: number;
  offset: number;
  sortBy: ThreadSortColumn;
  sortOrder: "asc" | "desc";
}

const THREAD_SORT_COLUMNS: readonly ThreadSortColumn[] = ["created_at", "updated_at", "thread_id", "status"];

const threadWhere = `owner_id = $1 AND metadata @> $2 AND ($3::text IS NULL OR status = $3)
     AND ($4::uuid[] IS NULL OR thread_id = ANY($4::uuid[]))`;
const threadWhereParams = (ownerId: string, filter: ThreadFilter) => [
  ownerId,
  filter.metadata ?? {},
  filter.status ?? null,
  filter.ids ? [...filter.ids] : null,
];

export async function searchThreads(
  db: Db,
  ownerId: string,
  query: ThreadQuery,
): Promise<{ rows: ThreadRow[]; total: number }> {
  // Sort column and direction come from enums, never from raw input.
  const column = THREAD_SORT_COLUMNS.includes(query.sortBy) ? query.sortBy : "created_at";
  const order = `${column} ${query.sortOrder === "asc" ? "ASC" : "DESC"}`;
  const { rows } = await db.query<ThreadRow & { total: string }>(
    `SELECT *, count(*) OVER () AS total FROM keel_threads
     WHERE ${threadWhere}
     ORDER BY ${order}, thread_id LIMIT $5 OFFSET $6`,
    [...threadWhereParams(ownerId, query), query.limit, query.offset],
  );
  return { rows: rows.map(({ total: _t, ...row }) => row), total: Number(rows[0]?.total ?? 0) };
}

export async function countThreads(db: Db, ownerId: string, filter: ThreadFilter): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM keel_threads WHERE ${threadWhere}`,
    threadWhereParams(ownerId, filter),
  );
  return Number(rows[0]?.n ?? 0);
}

export async function activeRunOfThread(db: Db, threadId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `SELECT * FROM keel_runs WHERE thread_id = $1 AND status IN ('pending', 'running')`,
    [threadId],
  );
  return rows[0];
}

export async function runOfThread(db: Db, runId: string, threadId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT * FROM keel_runs WHERE run_id = $1 AND thread_id = $2`, [
    runId,
    threadId,
  ]);
  return rows[0];
}

export async function listRuns(
  db: Db,
  threadId: string,
  options: { limit: number; offset: number; status?: RunStatus | undefined },
): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT * FROM keel_runs WHERE thread_id = $1 AND ($2::text IS NULL OR status = $2)
     ORDER BY created_at DESC LIMIT $3 OFFSET $4`,
    [threadId, options.status ?? null, options.limit, options.offset],
  );
  return rows;
}

export async function updateRun(
  db: Db,
  runId: string,
  patch: { status: RunStatus; error?: RunRow["error"]; attempt?: number; metadata?: Record<string, unknown> },
): Promise<void> {
  // `metadata` is merged into the run's, key by key: the caller's own keys stay as sent.
  await db.query(
    `UPDATE keel_runs SET status = $2, error = $3, attempt = COALESCE($4, attempt),
       metadata = metadata || COALESCE($5::jsonb, '{}'), updated_at = now() WHERE run_id = $1`,
    [runId, patch.status, patch.error ?? null, patch.attempt ?? null, patch.metadata ?? null],
  );
}

export async function requestCancel(db: Db, runId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE keel_runs SET cancel_requested = true, updated_at = now()
     WHERE run_id = $1 AND status IN ('pending', 'running')`,
    [runId],
  );
  return (rowCount ?? 0) > 0;
}

export async function isCancelRequested(db: Db, runId: string): Promise<boolean> {
  const { rows } = await db.query<{ cancel_requested: boolean }>(
    `SELECT cancel_requested FROM keel_runs WHERE run_id = $1`,
    [runId],
  );
  return rows[0]?.cancel_requested ?? false;
}

/** The owner's active runs, narrowed to a thread, to run ids and to one active status when given. */
export async function activeRunsOfOwner(
  db: Db,
  ownerId: string,
  filter: { threadId?: string | undefined; runIds?: readonly string[] | undefined; status?: RunStatus | undefined },
): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT * FROM keel_runs WHERE owner_id = $1 AND status IN ('pending', 'running')
       AND ($2::uuid IS NULL OR thread_id = $2::uuid)
       AND ($3::uuid[] IS NULL OR run_id = ANY($3::uuid[]))
       AND ($4::text IS NULL OR status = $4)
     ORDER BY created_at`,
    [ownerId, filter.threadId ?? null, filter.runIds ? [...filter.runIds] : null, filter.status ?? null],
  );
  return rows;
}

/**
 * Runs marked running, oldest first: the sweep tries each one's thread lock to find those whose
 * process died (nobody holds the lock). Queued runs are the queue's (server/run-queue.ts).
 */
export async function runningRuns(db: Db, limit: number): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT * FROM keel_runs WHERE status = 'running' ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows;
}
