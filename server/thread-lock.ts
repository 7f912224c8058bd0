import pg from "pg";

/** A held per-thread lock: exactly one process executes a thread's run, across all replicas. */
export interface ThreadLock {
  /** Aborted when the lock's connection dies: the lock is gone, so the run must stop. */
  lost: AbortSignal;
  /**
   * Whether the lock's connection still answers; when it does not, `lost` is aborted. A run that
   * failed because the database went away must be handed off, not recorded as failed.
   */
  check(timeoutMs?: number): Promise<boolean>;
  release(): Promise<void>;
}

/** The thread id's first 64 bits as a signed bigint: the advisory-lock key. */
export function lockKeyOf(threadId: string): string {
  const hex = threadId.replace(/-/g, "").slice(0, 16);
  if (!/^[0-9a-f]{16}$/i.test(hex)) throw new Error(`not a uuid: ${threadId}`);
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/**
 * Session-level advisory locks, each on its own connection. PostgreSQL drops a session's locks the
 * moment its connection closes, so a process that dies (even by SIGKILL) frees its threads at once,
 * with no lease to expire, and another replica can resume its runs.
 */
export class ThreadLocks {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, max: number) {
    this.pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
    // An idle client's error is handled by dropping it; a held one aborts its lock (below).
    this.pool.on("error", () => undefined);
  }

  async tryAcquire(threadId: string): Promise<ThreadLock | undefined> {
    const key = lockKeyOf(threadId);
    const client = await this.pool.connect();
    let got = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [key]);
      got = rows[0]?.ok === true;
    } finally {
      if (!got) client.release();
    }
    if (!got) return undefined;
    const lost = new AbortController();
    const onError = () => lost.abort(new Error("thread lock connection lost"));
    client.on("error", onError);
    let released = false;
    return {
      lost: lost.signal,
      async check(timeoutMs = 2_000) {
        if (lost.signal.aborted) return false;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            client.query("SELECT 1"),
            new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("no answer")), timeoutMs))),
          ]);
          return true;
        } catch {
          lost.abort(new Error("thread lock connection lost"));
          return false;
        } finally {
          clearTimeout(timer);
        }
      },
      async release() {
        if (released) return;
        released = true;
        if (lost.signal.aborted) {
          // Nothing to unlock on a dead connection (and a half-open one would never answer): discard
          // it, keeping the listener so a late socket error cannot go unhandled.
          client.release(new Error("thread lock connection lost"));
          return;
        }
        client.off("error", onError);
        try {
          await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
          client.release();
        } catch (err) {
          // A broken connection is discarded, which frees the lock anyway.
          client.release(err as Error);
        }
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
