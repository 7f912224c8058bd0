import type pg from "pg";
import { lockKeyOf } from "../server/thread-lock.js";

/** The thread statuses (keel_threads.status) a step must not disturb, beside active runs. */
export type BusyThreadStatus = "busy" | "interrupted";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Keel's own rows key threads by uuid; any other id (e.g. a LangGraph dev thread) has none. */
export function asUuid(threadId: string): string | null {
  return UUID.test(threadId) ? threadId : null;
}

/**
 * Runs `work` in one short transaction on a thread nobody is running: it takes the thread's
 * advisory lock (the key server/thread-lock.ts uses, so no replica can start or resume a run on it
 * meanwhile) and checks that the thread has no pending/running run and none of `busyStatuses`.
 * Returns undefined, changing nothing, when the thread is busy or a row it needs stays locked.
 */
export async function withQuietThread<T>(
  pool: pg.Pool,
  threadId: string,
  busyStatuses: readonly BusyThreadStatus[],
  work: (client: pg.PoolClient, uuid: string | null) => Promise<T>,
): Promise<T | undefined> {
  const uuid = asUuid(threadId);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    // A row lock held by a live request must not stall the pass: give up on this thread instead.
    await client.query("SET LOCAL lock_timeout = '2s'");
    if (uuid !== null) {
      const { rows } = await client.query<{ ok: boolean; busy: boolean }>(
        `SELECT pg_try_advisory_xact_lock($1::bigint) AS ok,
           EXISTS (SELECT 1 FROM keel_runs WHERE thread_id = $2::uuid AND status IN ('pending', 'running'))
           OR EXISTS (SELECT 1 FROM keel_threads WHERE thread_id = $2::uuid AND status = ANY($3::text[])) AS busy`,
        [lockKeyOf(uuid), uuid, [...busyStatuses]],
      );
      if (rows[0]?.ok !== true || rows[0].busy) {
        await client.query("ROLLBACK");
        return undefined;
      }
    }
    const result = await work(client, uuid);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    const rolledBack = await client.query("ROLLBACK").then(
      () => true,
      () => false,
    );
    // lock_not_available: someone is writing the thread right now; a later pass will get it.
    if (rolledBack && (err as { code?: unknown }).code === "55P03") return undefined;
    broken = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.release(broken);
  }
}
