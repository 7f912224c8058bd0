import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, MessagesValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createScratchDatabase } from "../test/db.js";
import { lockKeyOf } from "../server/thread-lock.js";
import { connectPool } from "./connect.js";
import { databaseFromPool, type Database } from "./database.js";
import { migrate } from "./migrate.js";
import { PRUNE_LOCK, runStoragePass, type RetentionPolicy } from "./storage-pass.js";

const State = new StateSchema({ messages: MessagesValue, turns: z.number().default(0) });

/** Each invoke is three checkpoints (input, start, reply) and new versions of both channels. */
function echoGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode("reply", (state) => ({
      messages: [new AIMessage(`echo ${state.turns + 1}`)],
      turns: state.turns + 1,
    }))
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile({ checkpointer });
}

type Values = typeof State.State;
const idOf = (config: { configurable?: Record<string, unknown> } | undefined): string | undefined =>
  config?.configurable?.["checkpoint_id"] as string | undefined;

const KEEP = 5;
const policy: RetentionPolicy = { keepCheckpoints: KEEP, threadTtlMs: undefined, batchSize: 2 };

// A database of its own: a pass prunes every thread, and other files' threads are not ours to prune.
describe("storage retention on PostgreSQL", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Database;
  let graph: ReturnType<typeof echoGraph>;

  beforeAll(async () => {
    scratch = await createScratchDatabase("keel_prune");
    const pool = await connectPool(scratch.url, { source: "the scratch database", hint: "see test/db.ts" });
    await migrate(pool);
    db = databaseFromPool(pool, { url: scratch.url, embedded: false });
    graph = echoGraph(db.saver);
  });
  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  const config = (threadId: string) => ({ configurable: { thread_id: threadId } });
  async function turns(threadId: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await graph.invoke({ messages: [new HumanMessage(`turn ${i}`)] }, config(threadId));
  }
  async function count(table: string, threadId: string): Promise<number> {
    const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE thread_id = $1`, [
      threadId,
    ]);
    return Number(rows[0]!.n);
  }
  async function counts(threadId: string): Promise<number[]> {
    return Promise.all(["checkpoints", "checkpoint_writes", "checkpoint_blobs"].map((t) => count(t, threadId)));
  }
  async function historyIds(threadId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const s of graph.getStateHistory(config(threadId))) ids.push(idOf(s.config)!);
    return ids;
  }
  async function addThreadRow(threadId: string, status: string, runStatus?: string): Promise<void> {
    await db.pool.query("INSERT INTO keel_threads (thread_id, owner_id, status) VALUES ($1, 'alice', $2)", [
      threadId,
      status,
    ]);
    if (runStatus) {
      await db.pool.query(
        `INSERT INTO keel_runs (run_id, thread_id, owner_id, assistant_id, status, kwargs)
         VALUES ($1, $2, 'alice', 'agent', $3, '{}')`,
        [randomUUID(), threadId, runStatus],
      );
    }
  }

  it("keeps the newest checkpoints of a thread, all they reference, and the thread continues", async () => {
    const threadId = randomUUID();
    await turns(threadId, 12);
    const before = await historyIds(threadId);
    expect(before.length).toBe(36);
    const kept = before.slice(0, KEEP);
    // What each kept checkpoint loads now, to compare after pruning.
    const loaded = new Map<string, unknown>();
    for (const id of kept) {
      const tuple = await db.saver.getTuple({
        configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: id },
      });
      loaded.set(id, { values: tuple?.checkpoint.channel_values, writes: tuple?.pendingWrites });
    }
    const [, writesBefore, blobsBefore] = await counts(threadId);

    const result = await runStoragePass(db.pool, policy);
    expect(result?.pruned.checkpoints).toBeGreaterThanOrEqual(36 - KEEP);

    const [checkpoints, writes, blobs] = await counts(threadId);
    expect(checkpoints).toBe(KEEP);
    expect(writes).toBeLessThan(writesBefore!);
    expect(blobs).toBeLessThan(blobsBefore!);
    expect(await historyIds(threadId)).toEqual(kept);
    for (const id of kept) {
      const tuple = await db.saver.getTuple({
        configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: id },
      });
      expect({ values: tuple?.checkpoint.channel_values, writes: tuple?.pendingWrites }).toEqual(loaded.get(id));
    }
    // No write or blob is left that nothing points at.
    const { rows: orphans } = await db.pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM checkpoint_writes w WHERE w.thread_id = $1 AND NOT EXISTS
                (SELECT 1 FROM checkpoints c WHERE c.thread_id = w.thread_id AND c.checkpoint_id = w.checkpoint_id))
            + (SELECT count(*) FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS
                (SELECT 1 FROM checkpoints c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
                 WHERE c.thread_id = b.thread_id AND v.key = b.channel AND v.value = b.version)) AS n`,
      [threadId],
    );
    expect(Number(orphans[0]!.n)).toBe(0);

    const state = (await graph.getState(config(threadId))).values as Values;
    expect(state.turns).toBe(12);
    expect(state.messages).toHaveLength(24);
    const next = await graph.invoke({ messages: [new HumanMessage("again")] }, config(threadId));
    expect(next.turns).toBe(13);
    expect(next.messages).toHaveLength(26);

    // A second pass finds the thread back over the bound (three new checkpoints) and only that.
    const again = await runStoragePass(db.pool, policy);
    expect(await count("checkpoints", threadId)).toBe(KEEP);
    expect(again?.pruned.checkpoints).toBe(3);
  });

  it("drops an abandoned fork and keeps the branch the thread is on", async () => {
    const threadId = randomUUID();
    await turns(threadId, 4);
    const history = await historyIds(threadId);
    // Fork from the state after the first turn (the oldest checkpoints are at the end).
    const forkFrom = history[history.length - 3]!;
    const forked = await graph.invoke(
      { messages: [new HumanMessage("instead")] },
      { configurable: { thread_id: threadId, checkpoint_id: forkFrom } },
    );
    expect(forked.turns).toBe(2);

    await runStoragePass(db.pool, policy);
    const ids = await historyIds(threadId);
    expect(ids).toHaveLength(KEEP);
    // Walking parents from the head reaches every kept checkpoint: nothing from the old branch stays.
    const parents = new Map<string, string | undefined>();
    for await (const s of graph.getStateHistory(config(threadId))) {
      parents.set(idOf(s.config)!, idOf(s.parentConfig));
    }
    let at: string | undefined = ids[0];
    for (let i = 0; i < KEEP - 1; i++) at = parents.get(at!);
    expect(at).toBe(ids[KEEP - 1]);
    expect(((await graph.getState(config(threadId))).values as Values).turns).toBe(2);
  });

  it("leaves threads with an active run, awaiting approval, or locked by a run untouched", async () => {
    const running = randomUUID();
    const pending = randomUUID();
    const interrupted = randomUUID();
    const locked = randomUUID();
    for (const id of [running, pending, interrupted, locked]) await turns(id, 3);
    await addThreadRow(running, "busy", "running");
    await addThreadRow(pending, "idle", "pending");
    await addThreadRow(interrupted, "interrupted", "success");
    await addThreadRow(locked, "idle", "success");
    const before = await Promise.all([running, pending, interrupted, locked].map(counts));

    // A replica executing `locked` holds its thread lock (server/thread-lock.ts) on a session.
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [lockKeyOf(locked)]);
      const result = await runStoragePass(db.pool, policy);
      expect(result?.pruned.skipped).toBeGreaterThanOrEqual(4);
      expect(await Promise.all([running, pending, interrupted, locked].map(counts))).toEqual(before);
    } finally {
      await holder.end();
    }
    // Once the run is over and the lock gone, the same threads are pruned.
    await db.pool.query("UPDATE keel_runs SET status = 'success' WHERE thread_id = ANY($1::uuid[])", [
      [running, pending],
    ]);
    await db.pool.query("UPDATE keel_threads SET status = 'idle' WHERE thread_id = ANY($1::uuid[])", [
      [running, interrupted],
    ]);
    await runStoragePass(db.pool, policy);
    for (const id of [running, pending, interrupted, locked]) expect(await count("checkpoints", id)).toBe(KEEP);
  });

  it("deletes threads idle past the TTL, with their rows but not their outbox, and nothing else", async () => {
    const old = randomUUID();
    const oldBusy = randomUUID();
    const recent = randomUUID();
    const oldTerminal = `cli-${randomUUID()}`; // terminal-client threads have no Keel rows
    for (const id of [old, oldBusy, recent, oldTerminal]) await turns(id, 1);
    await addThreadRow(old, "idle", "success");
    await addThreadRow(oldBusy, "busy", "running");
    await addThreadRow(recent, "idle", "success");
    await db.pool.query(
      `INSERT INTO keel_outbox (thread_id, user_id, to_address, subject, body) VALUES ($1, 'alice', 'a@b.c', 's', 'b')`,
      [old],
    );
    // Ten days of silence for all but `recent`.
    const backdated = [old, oldBusy, oldTerminal];
    await db.pool.query(
      `UPDATE checkpoints SET checkpoint = jsonb_set(checkpoint, '{ts}', to_jsonb((now() - interval '10 days')::text))
       WHERE thread_id = ANY($1)`,
      [backdated],
    );
    for (const table of ["keel_threads", "keel_runs"]) {
      await db.pool.query(
        `UPDATE ${table} SET updated_at = now() - interval '10 days' WHERE thread_id::text = ANY($1)`,
        [backdated],
      );
    }

    const result = await runStoragePass(db.pool, { ...policy, threadTtlMs: 7 * 86_400_000 });
    expect(result?.expired.threads).toBe(2);
    for (const id of [old, oldTerminal]) expect(await counts(id)).toEqual([0, 0, 0]);
    const keelRows = async (id: string) =>
      (
        await db.pool.query<{ n: string }>(
          "SELECT (SELECT count(*) FROM keel_threads WHERE thread_id = $1) + (SELECT count(*) FROM keel_runs WHERE thread_id = $1) AS n",
          [id],
        )
      ).rows[0]!.n;
    expect(await keelRows(old)).toBe("0");
    expect(await count("keel_outbox", old)).toBe(1);
    for (const id of [oldBusy, recent]) {
      expect(await count("checkpoints", id)).toBe(3);
      expect(await keelRows(id)).toBe("2");
    }
    expect(((await graph.getState(config(recent))).values as Values).turns).toBe(1);
  });

  it("runs one pass at a time: a pass finding the lock taken does nothing", async () => {
    const threadId = randomUUID();
    await turns(threadId, 3);
    const holder = new pg.Client({ connectionString: scratch.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1, $2)", [...PRUNE_LOCK]);
      expect(await runStoragePass(db.pool, policy)).toBeUndefined();
      expect(await count("checkpoints", threadId)).toBe(9);
    } finally {
      await holder.end();
    }
    // Two passes racing: whichever takes the lock first runs; together they prune exactly once.
    const [a, b] = await Promise.all([runStoragePass(db.pool, policy), runStoragePass(db.pool, policy)]);
    expect(await count("checkpoints", threadId)).toBe(KEEP);
    expect((a?.pruned.checkpoints ?? 0) + (b?.pruned.checkpoints ?? 0)).toBe(9 - KEEP);
  });
});
