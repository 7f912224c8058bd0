import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectPool } from "../checkpoint/connect.js";
import { databaseFromPool, type Database } from "../checkpoint/database.js";
import { migrate } from "../checkpoint/migrate.js";
import type { Agent } from "../graphs/agent.js";
import { memoryLogger } from "../runtime/logger.js";
import { createScratchDatabase } from "../test/db.js";
import { RunExecutor, type ExecutorDeps, type StoredKwargs } from "./executor.js";
import { insertThread, type RunRow } from "./store.js";
import { ThreadLocks } from "./thread-lock.js";

const KWARGS = {
  input: { messages: [{ role: "user", content: "hi" }] },
  config: {},
  stream_mode: ["values"],
  stream_subgraphs: false,
  on_disconnect: "continue",
  role: "member",
} as unknown as StoredKwargs;

/**
 * A run engine whose runs stream one `values` event and then wait until the test finishes them (or
 * the executor aborts them). It records the order runs started in; `/state` answers the thread's id.
 */
function heldEngine() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const engine: ExecutorDeps["engine"] = {
    request(path: string, init?: RequestInit) {
      const threadId = path.split("/")[2]!;
      if (path.endsWith("/state")) return Response.json({ values: { thread: threadId, final: true } });
      started.push(threadId);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (text: string) => controller.enqueue(new TextEncoder().encode(text));
          send(`event: values\ndata: ${JSON.stringify({ thread: threadId })}\n\n`);
          finishers.set(threadId, () => {
            send(`event: values\ndata: ${JSON.stringify({ thread: threadId, final: true })}\n\n`);
            controller.close();
          });
          init?.signal?.addEventListener("abort", () => controller.error(new Error("aborted")));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  };
  return { engine, started, finish: (threadId: string) => finishers.get(threadId)?.() };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// A database of its own: the queue is global, and other files' servers would take these runs.
describe("the run queue on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Database;
  const executors: RunExecutor[] = [];
  const lockSets: ThreadLocks[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase("keel_queue");
    const pool = await connectPool(scratch.url, { source: "the scratch database", hint: "see test/db.ts" });
    await migrate(pool);
    db = databaseFromPool(pool, { url: scratch.url, embedded: false });
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.drain(0)));
    await Promise.all(lockSets.splice(0).map((l) => l.close()));
    await db.pool.query("DELETE FROM keel_threads");
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  function executor(engine: ExecutorDeps["engine"], opts: Partial<ExecutorDeps> = {}): RunExecutor {
    const locks = new ThreadLocks(scratch.url);
    lockSets.push(locks);
    const e = new RunExecutor({
      pool: db.pool,
      locks,
      // Read only for a run's end state: a thread with no checkpoint has nothing pending.
      agent: { getState: () => Promise.resolve({ tasks: [], next: [], values: {} }) } as unknown as Agent,
      engine,
      graphId: "agent",
      logger: memoryLogger().logger,
      maxConcurrentRuns: 1,
      queuePollMs: 50,
      cancelPollMs: 50,
      ...opts,
    });
    executors.push(e);
    return e;
  }

  async function thread(owner: string): Promise<string> {
    const threadId = randomUUID();
    await insertThread(db.pool, { threadId, ownerId: owner, metadata: {} });
    return threadId;
  }
  const start = (e: RunExecutor, owner: string, threadId: string) =>
    e.start({ threadId, ownerId: owner, assistantId: "agent", kwargs: KWARGS, metadata: {} });
  const statusOf = async (runId: string) =>
    (await db.pool.query<RunRow>("SELECT * FROM keel_runs WHERE run_id = $1", [runId])).rows[0]?.status;

  it("queues runs beyond the slots instead of refusing them, and serves users in turn", async () => {
    const { engine, started, finish } = heldEngine();
    const e = executor(engine);
    const alice = await Promise.all([1, 2, 3, 4].map(() => thread("alice")));
    const bob = await thread("bob");
    const runs = [];
    for (const t of alice) runs.push(await start(e, "alice", t));
    runs.push(await start(e, "bob", bob));
    // One slot: Alice's first runs, the rest wait, visibly, in the database.
    await until(() => started.length === 1, "the first run");
    expect(runs[0]!.run.status).toBe("running");
    expect(await Promise.all(runs.slice(1).map((r) => statusOf(r.run.run_id)))).toEqual(Array(4).fill("pending"));
    // Each run that ends hands its slot on, users taking turns: Bob's run, queued behind three of
    // Alice's, is the first to leave the queue, not the fourth.
    for (let n = 1; n < 5; n++) {
      finish(started.at(-1)!);
      await until(() => started.length === n + 1, `run ${n + 1}`);
    }
    expect(started).toEqual([alice[0], bob, alice[1], alice[2], alice[3]]);
    finish(started.at(-1)!);
    const outcomes = await Promise.all(runs.map((r) => r.execution.done));
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill("success"));
    expect(await Promise.all(runs.map((r) => statusOf(r.run.run_id)))).toEqual(Array(5).fill("success"));
  });

  it("starts racing each other never overfill the process: the rest wait their turn", async () => {
    const { engine, started, finish } = heldEngine();
    const e = executor(engine, { maxConcurrentRuns: 2 });
    const threads = await Promise.all(Array.from({ length: 10 }, () => thread("alice")));
    const runs = await Promise.all(threads.map((t) => start(e, "alice", t)));
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toHaveLength(2);
    expect(e.activeCount).toBe(2);
    expect(runs.filter((r) => r.run.status === "pending")).toHaveLength(8);
    const finished = new Set<string>();
    while (finished.size < 10) {
      await until(() => started.some((t) => !finished.has(t)), "a run to finish");
      // Never more than two at once.
      expect(started.length - finished.size).toBeLessThanOrEqual(2);
      const next = started.find((t) => !finished.has(t))!;
      finished.add(next);
      finish(next);
    }
    expect((await Promise.all(runs.map((r) => r.execution.done))).map((o) => o.status)).toEqual(
      Array(10).fill("success"),
    );
  });

  it("a queued run that is cancelled ends interrupted without ever running", async () => {
    const { engine, started, finish } = heldEngine();
    const e = executor(engine);
    const [t1, t2] = [await thread("alice"), await thread("alice")];
    const first = await start(e, "alice", t1);
    const second = await start(e, "alice", t2);
    await e.cancel(second.run.run_id);
    expect(await second.execution.done).toMatchObject({ status: "interrupted" });
    expect(await statusOf(second.run.run_id)).toBe("interrupted");
    finish(t1);
    expect(await first.execution.done).toMatchObject({ status: "success" });
    await new Promise((r) => setTimeout(r, 150));
    expect(started).toEqual([t1]);
  });

  it("a run queued on a full replica is taken by another with room; its caller gets the result", async () => {
    const a = heldEngine();
    const b = heldEngine();
    const full = executor(a.engine);
    const held = await start(full, "alice", await thread("alice"));
    const queued = await start(full, "alice", await thread("alice"));
    expect(queued.run.status).toBe("pending");
    executor(b.engine, { maxConcurrentRuns: 4 });
    await until(() => b.started.length === 1, "the other replica to take the run");
    expect(b.started).toEqual([queued.run.thread_id]);
    b.finish(queued.run.thread_id);
    // Followed from the replica its caller is on: the run's final state, read there.
    expect(await queued.execution.done).toMatchObject({
      status: "success",
      values: { thread: queued.run.thread_id, final: true },
    });
    expect(a.started).toEqual([held.run.thread_id]);
  });

  it("a caller waiting on a queued run whose thread is deleted is told so, not left waiting", async () => {
    const { engine } = heldEngine();
    const e = executor(engine);
    await start(e, "alice", await thread("alice"));
    const queued = await start(e, "alice", await thread("alice"));
    await db.pool.query("DELETE FROM keel_threads WHERE thread_id = $1", [queued.run.thread_id]);
    expect(await queued.execution.done).toMatchObject({ status: "error", error: { error: "run_deleted" } });
  });

  it("a start that fails after its run was recorded leaves nothing to go ahead, claimed or queued", async () => {
    const { engine, started } = heldEngine();
    let fail = true;
    const failing = Object.assign(Object.create(db.pool) as typeof db.pool, {
      query: (sql: string, params?: unknown[]) =>
        fail && sql.startsWith("UPDATE keel_threads SET status") && params?.[1] === "busy"
          ? Promise.reject(new Error("database went away"))
          : db.pool.query(sql, params),
    });
    const e = executor(engine, { pool: failing });
    const [claimedThread, heldThread, queuedThread] = [
      await thread("alice"),
      await thread("alice"),
      await thread("alice"),
    ];
    // With its one slot free, the run is recorded as claimed, then the start fails.
    await expect(start(e, "alice", claimedThread)).rejects.toThrow("database went away");
    // The slot was given back: this run takes it.
    fail = false;
    const held = await start(e, "alice", heldThread);
    expect(held.run.status).toBe("running");
    // With the slot taken, the run is recorded as queued, then the start fails.
    fail = true;
    await expect(start(e, "alice", queuedThread)).rejects.toThrow("database went away");
    const statusOf = async (t: string) =>
      (await db.pool.query<{ status: string }>("SELECT status FROM keel_runs WHERE thread_id = $1", [t])).rows[0]
        ?.status;
    expect([await statusOf(claimedThread), await statusOf(queuedThread)]).toEqual(["interrupted", "interrupted"]);
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toEqual([heldThread]);
  });

  it("shutting down answers callers of queued runs with where their run continues; the run stays queued", async () => {
    const { engine } = heldEngine();
    const e = executor(engine);
    await start(e, "alice", await thread("alice"));
    const queued = await start(e, "alice", await thread("alice"));
    const draining = e.drain(0);
    const outcome = await queued.execution.done;
    expect(outcome.handoff?.error).toBe("run_handed_off");
    expect(outcome.handoff?.message).toContain(`run ${queued.run.run_id} stays queued`);
    await draining;
    expect(await statusOf(queued.run.run_id)).toBe("pending");
    await expect(start(e, "alice", await thread("alice"))).rejects.toMatchObject({
      status: 503,
      code: "shutting_down",
    });
  });

  it("bounds the queue: per user with 429, in all with 503, each with a retry-after", async () => {
    const { engine } = heldEngine();
    const e = executor(engine, { maxQueuedPerUser: 1, maxQueuedRuns: 2 });
    await start(e, "alice", await thread("alice"));
    await start(e, "alice", await thread("alice"));
    await expect(start(e, "alice", await thread("alice"))).rejects.toMatchObject({
      status: 429,
      code: "user_queue_full",
      headers: { "retry-after": "5" },
    });
    await start(e, "bob", await thread("bob"));
    await expect(start(e, "carol", await thread("carol"))).rejects.toMatchObject({
      status: 503,
      code: "queue_full",
      headers: { "retry-after": "5" },
    });
  });

  it("holds every thread lock of a process on one database connection", async () => {
    const { engine, started } = heldEngine();
    const e = executor(engine, { maxConcurrentRuns: 8 });
    for (let i = 0; i < 8; i++) await start(e, "alice", await thread("alice"));
    await until(() => started.length === 8, "eight runs");
    const { rows } = await db.pool.query<{ locks: string; sessions: string }>(
      `SELECT count(*) AS locks, count(DISTINCT pid) AS sessions FROM pg_locks
       WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(rows[0]).toEqual({ locks: "8", sessions: "1" });
  });
});
