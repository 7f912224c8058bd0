import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../checkpoint/index.js";
import { openTestDatabase } from "../test/db.js";
import { ToolError } from "./errors.js";
import { outboxSend } from "./outbox.js";
import type { ToolContext } from "./types.js";

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
});

function context(threadId: string, idempotencyKey: string): ToolContext {
  return {
    userId: "u",
    role: "member",
    threadId,
    idempotencyKey,
    signal: new AbortController().signal,
    db: async () => db.pool,
  };
}

const rowsOf = async (threadId: string) =>
  (await db.pool.query<{ id: string }>("SELECT id FROM keel_outbox WHERE thread_id = $1", [threadId])).rows;

describe("outbox_send acts at most once per idempotency key", () => {
  const message = { to: "bob@example.com", subject: "deploy", body: "done" };

  it("a repeat returns the first result and queues nothing new", async () => {
    const thread = `outbox-${randomUUID()}`;
    const ctx = context(thread, randomUUID());
    const first = await outboxSend.handler(message, ctx);
    const again = await outboxSend.handler(message, ctx);
    expect(again).toEqual(first);
    expect(await rowsOf(thread)).toHaveLength(1);
  });

  it("concurrent executions of one call queue one row and agree on it", async () => {
    const thread = `outbox-${randomUUID()}`;
    const ctx = context(thread, randomUUID());
    const results = await Promise.all(Array.from({ length: 8 }, () => outboxSend.handler(message, ctx)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await rowsOf(thread)).toHaveLength(1);
  });

  it("different content under a used key is refused, not queued", async () => {
    const thread = `outbox-${randomUUID()}`;
    const ctx = context(thread, randomUUID());
    await outboxSend.handler(message, ctx);
    await expect(outboxSend.handler({ ...message, body: "edited" }, ctx)).rejects.toThrow(ToolError);
    expect(await rowsOf(thread)).toHaveLength(1);
  });

  it("another key is another message", async () => {
    const thread = `outbox-${randomUUID()}`;
    await outboxSend.handler(message, context(thread, randomUUID()));
    await outboxSend.handler(message, context(thread, randomUUID()));
    expect(await rowsOf(thread)).toHaveLength(2);
  });
});
