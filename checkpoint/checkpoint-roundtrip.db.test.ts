import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, MessagesValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { openTestDatabase } from "../test/db.js";
import type { Database } from "./database.js";

const EchoState = new StateSchema({
  messages: MessagesValue,
  turns: z.number().default(0),
});

type EchoValues = typeof EchoState.State;

/** A real compiled graph: each run appends an echo of the newest message and counts the turn. */
function echoGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(EchoState)
    .addNode("reply", (state) => {
      const last = state.messages.at(-1);
      return { messages: [new AIMessage(`echo: ${last?.text ?? ""}`)], turns: state.turns + 1 };
    })
    .addEdge(START, "reply")
    .addEdge("reply", END)
    .compile({ checkpointer });
}

describe("checkpoints on PostgreSQL", () => {
  let first: Database;
  let second: Database;
  beforeAll(async () => {
    first = await openTestDatabase();
    second = await openTestDatabase();
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it("persist a thread that a new pool and saver read back and continue", async () => {
    const config = { configurable: { thread_id: `roundtrip-${randomUUID()}` } };
    await echoGraph(first.saver).invoke({ messages: [new HumanMessage("héllo ☕ — ünïcode")] }, config);

    // Nothing in memory is shared with the first graph: only the database.
    const resumed = echoGraph(second.saver);
    const stored = (await resumed.getState(config)).values as EchoValues;
    expect(stored.turns).toBe(1);
    expect(stored.messages.map((m) => m.content)).toEqual(["héllo ☕ — ünïcode", "echo: héllo ☕ — ünïcode"]);
    expect(stored.messages[1]).toBeInstanceOf(AIMessage);

    const next = await resumed.invoke({ messages: [new HumanMessage("again")] }, config);
    expect(next.turns).toBe(2);
    expect(next.messages).toHaveLength(4);
    expect(((await echoGraph(first.saver).getState(config)).values as EchoValues).turns).toBe(2);
  });

  it("keeps threads apart and stores them in the checkpoint tables", async () => {
    const a = { configurable: { thread_id: `a-${randomUUID()}` } };
    const b = { configurable: { thread_id: `b-${randomUUID()}` } };
    const graph = echoGraph(first.saver);
    await graph.invoke({ messages: [new HumanMessage("for a")] }, a);
    expect((await graph.getState(b)).values).toEqual({});
    const rows = await second.pool.query<{ n: string }>("SELECT count(*) AS n FROM checkpoints WHERE thread_id = $1", [
      a.configurable.thread_id,
    ]);
    expect(Number(rows.rows[0]?.n)).toBeGreaterThan(0);
  });

  it("close() is idempotent and ends the pool", async () => {
    const db = await openTestDatabase();
    await Promise.all([db.close(), db.close()]);
    await db.close();
    expect(db.pool.ended).toBe(true);
  });
});
