import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl } from "../test/db.js";
import { lockKeyOf, ThreadLocks } from "./thread-lock.js";

describe("ThreadLocks on PostgreSQL", () => {
  let other: pg.Client;
  beforeAll(async () => {
    other = new pg.Client({ connectionString: databaseUrl() });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
  });

  const heldElsewhere = async (threadId: string) => {
    const key = lockKeyOf(threadId);
    const { rows } = await other.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [key]);
    if (rows[0]?.ok) await other.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
    return rows[0]?.ok === false;
  };

  it("locks a thread once per process and across processes, and lets go on release", async () => {
    const locks = new ThreadLocks(databaseUrl());
    try {
      const [a, b] = [randomUUID(), randomUUID()];
      const lockA = await locks.tryAcquire(a);
      expect(lockA).toBeDefined();
      // The same session could take it again; the process must not.
      expect(await locks.tryAcquire(a)).toBeUndefined();
      expect(await heldElsewhere(a)).toBe(true);
      const lockB = await locks.tryAcquire(b);
      expect(await Promise.all([lockA!.check(), lockB!.check()])).toEqual([true, true]);
      await lockA!.release();
      expect(await heldElsewhere(a)).toBe(false);
      expect(await heldElsewhere(b)).toBe(true);
      expect(await locks.tryAcquire(a)).toBeDefined();
    } finally {
      await locks.close();
    }
  });

  it("when its connection dies, every lock of the process is lost, and the next lock opens a new one", async () => {
    const locks = new ThreadLocks(databaseUrl());
    try {
      const [a, b] = [randomUUID(), randomUUID()];
      const [lockA, lockB] = await Promise.all([locks.tryAcquire(a), locks.tryAcquire(b)]);
      const { rows } = await other.query<{ pid: number }>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = ($1::bigint & 4294967295)::oid",
        [lockKeyOf(a)],
      );
      await other.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
      await new Promise((r) => setTimeout(r, 200));
      expect(await lockA!.check()).toBe(false);
      expect(lockA!.lost.aborted && lockB!.lost.aborted).toBe(true);
      // The server let go of both with the session; a new session takes them.
      expect(await heldElsewhere(b)).toBe(false);
      await Promise.all([lockA!.release(), lockB!.release()]);
      const again = await locks.tryAcquire(b);
      expect(again).toBeDefined();
      expect(await again!.check()).toBe(true);
    } finally {
      await locks.close();
    }
  });
});
