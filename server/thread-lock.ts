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

/** A lock statement that does not answer within this is a database gone away. */
const LOCK_QUERY_TIMEOUT_MS = 5_000;

interface Session {
  client: pg.Client;
  lost: AbortController;
  /** The last statement sent: statements on one connection go one after another. */
  tail: Promise<unknown>;
}

/**
 * Session-level advisory locks, all on one connection per process. PostgreSQL drops a session's
 * locks the moment its connection closes, so a process that dies (even by SIGKILL) frees its threads
 * at once, with no lease to expire, and another replica can resume its runs. One connection for every
 * run (not one each) keeps a busy process's connection count flat; lock statements take microseconds,
 * so sharing it costs nothing measurable. When that connection dies every lock of the process is
 * gone, so every run it holds is stopped and left for a sweep; the next lock opens a new connection.
 */
export class ThreadLocks {
  private session: Promise<Session> | undefined;
  /** The session once connected, to see synchronously that it died. */
  private live: Session | undefined;
  /** Keys held here: the same session may take an advisory lock twice, so exclusivity within the process is kept here. */
  private readonly held = new Set<string>();
  private closed = false;

  constructor(private readonly connectionString: string) {}

  async tryAcquire(threadId: string): Promise<ThreadLock | undefined> {
    const key = lockKeyOf(threadId);
    if (this.held.has(key) || this.closed) return undefined;
    this.held.add(key);
    let session: Session;
    try {
      session = await this.open();
      const { rows } = await this.query<{ ok: boolean }>(session, "SELECT pg_try_advisory_lock($1::bigint) AS ok", [
        key,
      ]);
      if (rows[0]?.ok !== true) {
        this.held.delete(key);
        return undefined;
      }
    } catch (err) {
      this.held.delete(key);
      throw err;
    }
    let released = false;
    return {
      lost: session.lost.signal,
      check: async (timeoutMs = 2_000) => {
        if (session.lost.signal.aborted) return false;
        try {
          await this.query(session, "SELECT 1", [], timeoutMs);
          return true;
        } catch {
          return false;
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        try {
          // Nothing to unlock on a dead connection: its locks went with it.
          if (!session.lost.signal.aborted) await this.query(session, "SELECT pg_advisory_unlock($1::bigint)", [key]);
        } catch {
          // The connection broke: it is dropped below, which frees every lock it held.
        } finally {
          this.held.delete(key);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const session = await this.session?.catch(() => undefined);
    this.session = this.live = undefined;
    await session?.client.end().catch(() => undefined);
  }

  private open(): Promise<Session> {
    if (this.live?.lost.signal.aborted) this.session = this.live = undefined;
    this.session ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 10_000 });
      const session: Session = { client, lost: new AbortController(), tail: Promise.resolve() };
      client.on("error", (err) => this.drop(session, err));
      client.on("end", () => this.drop(session, new Error("thread lock connection closed")));
      try {
        await client.connect();
      } catch (err) {
        this.session = undefined;
        throw err;
      }
      this.live = session;
      return session;
    })();
    return this.session;
  }

  /** Marks the session dead (its locks are gone) so the next lock opens a new one. */
  private drop(session: Session, err: Error): void {
    if (session.lost.signal.aborted) return;
    session.lost.abort(err);
    // A half-open socket would never answer or close: end it so the server side lets go too.
    session.client.end().catch(() => undefined);
  }

  /** A statement on the session; one that does not answer in time kills the session. */
  private async query<R extends pg.QueryResultRow>(
    session: Session,
    sql: string,
    params: unknown[],
    timeoutMs = LOCK_QUERY_TIMEOUT_MS,
  ): Promise<pg.QueryResult<R>> {
    if (session.lost.signal.aborted) throw new Error("thread lock connection lost");
    // Queued behind the statements already sent (pg would queue them too, but that use is deprecated).
    const result = session.tail.then(() => session.client.query<R>(sql, params));
    session.tail = result.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        result,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no answer")), timeoutMs))),
      ]);
    } catch (err) {
      this.drop(session, err as Error);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
