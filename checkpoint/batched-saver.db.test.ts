import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, interrupt, MessagesValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createScratchDatabase } from "../test/db.js";
import { BatchedPostgresSaver } from "./batched-saver.js";
import { connectPool } from "./connect.js";
import { migrate } from "./migrate.js";

const State = new StateSchema({ messages: MessagesValue, count: z.number().default(0), note: z.string().default("") });

/** Two branches in one step (several writes per step), then a pause for a human, then an answer. */
function graph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode("counter", (s) => ({ count: s.count + 1 }))
    .addNode("noter", () => ({ note: "noted" }))
    .addNode("ask", () => ({ messages: [new AIMessage({ id: "ask-id", content: String(interrupt("go on?")) })] }))
    .addEdge(START, "counter")
    .addEdge(START, "noter")
    .addEdge(["counter", "noter"], "ask")
    .addEdge("ask", END)
    .compile({ checkpointer });
}

// A database of its own: rows are compared across whole tables.
describe("BatchedPostgresSaver", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let pool: pg.Pool;
  beforeAll(async () => {
    scratch = await createScratchDatabase("keel_batched");
    pool = await connectPool(scratch.url, { source: "the scratch database", hint: "see test/db.ts" });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await scratch?.drop();
  });

  /** A thread's rows with the ids that differ between runs (checkpoint and task ids) left out. */
  async function rowsOf(threadId: string) {
    const q = async (sql: string) => (await pool.query(sql, [threadId])).rows as Record<string, unknown>[];
    const blobs = await q(
      `SELECT channel, version, type, encode(blob, 'hex') AS blob FROM checkpoint_blobs WHERE thread_id = $1 ORDER BY 1, 2`,
    );
    const writes = await q(
      // An interrupt's id derives from its task's, which differs between runs.
      `SELECT idx, channel, type,
         CASE WHEN channel = '__interrupt__' AND jsonb_typeof(convert_from(blob, 'UTF8')::jsonb) = 'object'
              THEN (convert_from(blob, 'UTF8')::jsonb - 'id')::text
              ELSE encode(blob, 'hex') END AS blob
       FROM checkpoint_writes WHERE thread_id = $1 ORDER BY 2, 1, 4`,
    );
    const checkpoints = await q(
      `SELECT metadata->>'step' AS step, metadata->>'source' AS source, checkpoint->'channel_versions' AS versions
       FROM checkpoints WHERE thread_id = $1 ORDER BY checkpoint_id`,
    );
    return { blobs, writes, checkpoints };
  }

  async function runOn(saver: BaseCheckpointSaver, threadId: string) {
    const g = graph(saver);
    const config = { configurable: { thread_id: threadId } };
    await g.invoke({ messages: [new HumanMessage({ id: "q-id", content: "hi" })] }, config);
    await g.invoke(new (await import("@langchain/langgraph")).Command({ resume: "yes" }), config);
    return (await g.getState(config)).values as typeof State.State;
  }

  it("stores the same rows as the stock saver, and reads back the same state", async () => {
    const [stock, batched] = [randomUUID(), randomUUID()];
    const stockValues = await runOn(new PostgresSaver(pool), stock);
    const batchedValues = await runOn(new BatchedPostgresSaver(pool), batched);
    expect(batchedValues.count).toBe(1);
    expect(batchedValues.messages.map((m) => m.content)).toEqual(["hi", "yes"]);
    expect(batchedValues).toEqual(stockValues);
    const [a, b] = [await rowsOf(stock), await rowsOf(batched)];
    expect(b.blobs.length).toBeGreaterThan(3);
    expect(b.writes.some((w) => w.channel === "__interrupt__")).toBe(true);
    expect(b).toEqual(a);
    // Either saver reads what the other wrote.
    const other = await graph(new PostgresSaver(pool)).getState({ configurable: { thread_id: batched } });
    expect(other.values).toEqual(batchedValues);
  });

  it("keeps what the stock saver keeps when one call repeats an index: the last special write, the first ordinary one", async () => {
    const put = async (saver: PostgresSaver, threadId: string) => {
      const config = { configurable: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: "c1" } };
      await saver.putWrites(
        config,
        [
          ["__interrupt__", "first"],
          ["__interrupt__", "second"],
        ],
        "task",
      );
      await saver.putWrites(
        config,
        [
          ["note", "a"],
          ["note", "b"],
        ],
        "task2",
      );
      await saver.putWrites(config, [["note", "c"]], "task2");
      return rowsOf(threadId);
    };
    const [stock, batched] = [randomUUID(), randomUUID()];
    const expected = await put(new PostgresSaver(pool), stock);
    const got = await put(new BatchedPostgresSaver(pool), batched);
    expect(got).toEqual(expected);
    expect(got.writes.filter((w) => w.channel === "__interrupt__")).toHaveLength(1);
  });

  it("writes each checkpoint, and each step's writes, in one statement, without checking out a connection", async () => {
    const saver = new BatchedPostgresSaver(pool);
    let statements = 0;
    let calls = 0;
    const query = pool.query.bind(pool) as (...a: unknown[]) => unknown;
    const counting = Object.assign(Object.create(pool) as pg.Pool, {
      query: (...args: unknown[]) => {
        statements++;
        return query(...args);
      },
      connect: () => {
        throw new Error("no connection may be checked out");
      },
    });
    // The pool this saver writes through (its reads go through the base class's own).
    Object.assign(saver, { db: counting });
    const put = saver.put.bind(saver);
    const putWrites = saver.putWrites.bind(saver);
    saver.put = (...args) => (calls++, put(...args));
    saver.putWrites = (config, writes, taskId) => (
      (calls += writes.length > 0 ? 1 : 0),
      putWrites(config, writes, taskId)
    );
    await runOn(saver, randomUUID());
    expect(calls).toBeGreaterThan(6);
    expect(statements).toBe(calls);
  });
});
